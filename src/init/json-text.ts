// Rewriting a JSON file the way its author formatted it: same indentation, line endings, final
// newline and byte-order mark (what `npm pkg set` keeps). Key order survives JSON.parse/stringify.

export type JsonFormat = { indent: string; newline: "\n" | "\r\n"; finalNewline: boolean; bom: boolean };

export const DEFAULT_FORMAT: JsonFormat = { indent: "  ", newline: "\n", finalNewline: true, bom: false };

export function detectFormat(text: string): JsonFormat {
  // The first indented key gives the unit; a file on one line stays on one line.
  const indent = /^([ \t]+)"/m.exec(text)?.[1] ?? "";
  return {
    indent,
    newline: text.includes("\r\n") ? "\r\n" : "\n",
    finalNewline: /\n$/.test(text),
    bom: text.startsWith("\uFEFF"),
  };
}

export function parseJsonText(text: string): unknown {
  return JSON.parse(text.startsWith("\uFEFF") ? text.slice(1) : text);
}

export function formatJson(value: unknown, format: JsonFormat): string {
  let text = JSON.stringify(value, null, format.indent);
  if (format.newline === "\r\n") text = text.replace(/\n/g, "\r\n");
  return `${format.bom ? "\uFEFF" : ""}${text}${format.finalNewline ? format.newline : ""}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
