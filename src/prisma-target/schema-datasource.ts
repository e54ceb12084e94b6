// The datasource block of a Prisma schema (one file or a folder of .prisma files): where Prisma 6
// without a driver adapter connects. `url` and `directUrl` are either env("NAME") or a literal;
// Migrate uses directUrl when it is set (see README.md in this folder).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

export type UrlSetting = { env: string } | { literal: string };
export type SchemaDatasource = { file: string; url?: UrlSetting; directUrl?: UrlSetting; provider?: string };

export function readSchemaDatasource(schemaPath: string): SchemaDatasource | undefined {
  for (const file of schemaFiles(schemaPath)) {
    const block = datasourceBlock(stripComments(readFileSync(file, "utf8")));
    if (block === undefined) continue;
    const result: SchemaDatasource = { file };
    for (const [key, value] of assignments(block)) {
      if (key === "provider") result.provider = unquote(value);
      if (key === "url" || key === "directUrl") {
        const setting = urlSetting(value);
        if (setting) result[key] = setting;
      }
    }
    return result;
  }
  return undefined;
}

export function schemaFiles(schemaPath: string): string[] {
  if (!existsSync(schemaPath)) return [];
  if (!statSync(schemaPath).isDirectory()) return [schemaPath];
  const files: string[] = [];
  for (const entry of readdirSync(schemaPath, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(schemaPath, entry.name);
    if (entry.isDirectory() && entry.name !== "migrations" && entry.name !== "node_modules") files.push(...schemaFiles(full));
    else if (entry.isFile() && entry.name.endsWith(".prisma")) files.push(full);
  }
  return files;
}

/** Removes // comments outside string literals. */
function stripComments(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (inString) {
      out += char;
      if (char === "\\") out += text[++i] ?? "";
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      out += char;
    } else if (char === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else out += char;
  }
  return out;
}

function datasourceBlock(text: string): string | undefined {
  const start = /(^|\n)\s*datasource\s+\w+\s*\{/.exec(text);
  if (!start) return undefined;
  const open = start.index + start[0].length;
  const close = text.indexOf("}", open);
  return text.slice(open, close === -1 ? undefined : close);
}

function assignments(block: string): Array<[string, string]> {
  return block
    .split("\n")
    .map((line) => /^\s*(\w+)\s*=\s*(.+?)\s*$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1]!, match[2]!]);
}

function urlSetting(value: string): UrlSetting | undefined {
  const env = /^env\(\s*"([^"]+)"\s*\)$/.exec(value);
  if (env) return { env: env[1]! };
  if (value.startsWith('"')) return { literal: unquote(value) };
  return undefined;
}

function unquote(value: string): string {
  return value.replace(/^"|"$/g, "").replace(/\\"/g, '"');
}
