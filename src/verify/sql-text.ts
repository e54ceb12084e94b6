// Text helpers for the schema model: quoting for display, short type names, and the
// normalisation of column defaults. Defaults come from pg_get_expr (PostgreSQL's own deparser),
// so their spelling is already canonical per expression tree; what is left to normalise is the
// trees that differ but mean the same value ('x'::text vs 'x'::character varying, now() vs
// CURRENT_TIMESTAMP, ARRAY['a'] vs '{a}').

type Token = {
  kind: "string" | "number" | "ident" | "qident" | "cast" | "punct" | "op";
  text: string;
  /** Whitespace before it in the source: kept so the rendered text reads like the input. */
  space: boolean;
};

/** Quotes an identifier for display when PostgreSQL would need it (keywords aside). */
export function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** A table or type name as users write it: the schema only when it is not `public`. */
export function qualified(schema: string, name: string, quote = false): string {
  const q = quote ? ident : (s: string) => s;
  return schema === "public" ? q(name) : `${q(schema)}.${q(name)}`;
}

const LONG_TYPE_NAMES: [RegExp, string][] = [
  [/^character varying\b/, "varchar"],
  [/^character\b/, "char"],
  [/^bit varying\b/, "varbit"],
  [/^timestamp(\(\d+\))? without time zone/, "timestamp$1"],
  [/^timestamp(\(\d+\))? with time zone/, "timestamptz$1"],
  [/^time(\(\d+\))? without time zone/, "time$1"],
  [/^time(\(\d+\))? with time zone/, "timetz$1"],
];

/** format_type()'s output in the short names people write (varchar(200), timestamptz(3)). */
export function displayType(type: string): string {
  for (const [pattern, short] of LONG_TYPE_NAMES) if (pattern.test(type)) return type.replace(pattern, short);
  return type;
}

/** 1.50 → 1.5, 0.0 → 0, .5 → 0.5: the same number however it was written. */
function canonicalNumber(text: string): string {
  const match = /^(-?)(\d*)\.(\d*)$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction] = match;
  const digits = fraction!.replace(/0+$/, "");
  const result = `${whole || "0"}${digits ? `.${digits}` : ""}`;
  return result === "0" ? result : `${sign}${result}`;
}

function tokenize(sql: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  let space = false;
  while (i < sql.length) {
    const rest = sql.slice(i);
    const ws = /^\s+/.exec(rest);
    if (ws) {
      space = true;
      i += ws[0].length;
      continue;
    }
    let match: RegExpExecArray | null;
    let kind: Token["kind"];
    if ((match = /^[eE]?'(?:[^']|'')*'/.exec(rest))) kind = "string";
    else if ((match = /^"(?:[^"]|"")*"/.exec(rest))) kind = "qident";
    else if ((match = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest))) kind = "number";
    else if ((match = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(rest))) kind = "ident";
    else if ((match = /^::/.exec(rest))) kind = "cast";
    else if ((match = /^[()[\],.;]/.exec(rest))) kind = "punct";
    else if ((match = /^[+\-*/<>=~!@#%^&|`?]+/.exec(rest))) kind = "op";
    else return undefined; // something this tokenizer does not know ($-quotes): leave the text as is
    tokens.push({ kind, text: kind === "number" ? canonicalNumber(match[0]) : match[0], space });
    space = false;
    i += match[0].length;
  }
  // A minus sign in operand position belongs to the number: `(-1)` and `'-1'` then look alike.
  const merged: Token[] = [];
  for (let j = 0; j < tokens.length; j++) {
    const token = tokens[j]!;
    const next = tokens[j + 1];
    const prev = merged.at(-1);
    const operandPosition = !prev || prev.kind === "op" || prev.kind === "cast" || ["(", "[", ","].includes(prev.text);
    if (token.kind === "op" && token.text === "-" && next?.kind === "number" && !next.space && operandPosition) {
      merged.push({ kind: "number", text: canonicalNumber(`-${next.text}`), space: token.space });
      j++;
    } else merged.push(token);
  }
  return merged;
}

function render(tokens: Token[]): string {
  return tokens.map((token, index) => (index > 0 && token.space ? " " : "") + token.text).join("");
}

// Words that end a type name after `::` (they start the next part of the expression).
const CAST_STOP_WORDS = new Set([
  ...["and", "or", "not", "is", "in", "like", "ilike", "similar", "between"],
  ...["at", "collate", "escape", "isnull", "notnull", "overlaps"],
]);

/** Index just past the type name that starts at `start` (after a `::`). */
function typeNameEnd(tokens: Token[], start: number): number {
  let i = start;
  while (i < tokens.length) {
    const token = tokens[i]!;
    if ((token.kind === "ident" && !CAST_STOP_WORDS.has(token.text.toLowerCase())) || token.kind === "qident" || token.text === ".") {
      i++;
    } else if (token.text === "[" && tokens[i + 1]?.text === "]") {
      i += 2;
    } else if (token.text === "(" && i > start) {
      // typmod: (200) or (10,2)
      let j = i + 1;
      while (tokens[j]?.kind === "number" || tokens[j]?.text === ",") j++;
      if (tokens[j]?.text !== ")" || j === i + 1) break;
      i = j + 1;
    } else break;
  }
  return i;
}

function isLiteral(token: Token | undefined): boolean {
  return token?.kind === "string" || token?.kind === "number";
}

function stringValue(token: Token): string | undefined {
  if (token.kind !== "string" || !token.text.startsWith("'")) return undefined; // E'' strings: keep as is
  return token.text.slice(1, -1).replaceAll("''", "'");
}

function stringToken(value: string, space: boolean): Token {
  return { kind: "string", text: `'${value.replaceAll("'", "''")}'`, space };
}

/** Start of the literal atom that ends at `end` (inclusive), or -1: 'x', 5, ('x'), ARRAY['a', 'b']. */
function literalAtomStart(tokens: Token[], end: number): number {
  const last = tokens[end];
  if (!last) return -1;
  if (last.kind === "string") return end;
  // A cast can change a fractional number (1.7::integer is 2): strip casts of whole numbers only.
  if (last.kind === "number") return /^-?\d+$/.test(last.text) ? end : -1;
  if (last.text === "]") {
    let j = end - 1;
    while (j >= 0 && (isLiteral(tokens[j]) || tokens[j]!.text === ",")) j--;
    if (tokens[j]?.text === "[" && tokens[j - 1]?.kind === "ident" && tokens[j - 1]!.text.toUpperCase() === "ARRAY") return j - 1;
  }
  return -1;
}

/** An array element as array_out prints it: quoted only when it would otherwise read differently. */
function quoteArrayElement(value: string): string {
  const needsQuotes = value === "" || /^null$/i.test(value) || /[{}",\\\s]/.test(value);
  return needsQuotes ? `"${value.replace(/(["\\])/g, "\\$1")}"` : value;
}

function arrayElement(token: Token): string | undefined {
  if (token.kind === "number") return token.text;
  const value = stringValue(token);
  return value === undefined ? undefined : quoteArrayElement(value);
}

/** Re-renders a one-dimensional array literal ('{a,"b"}') the way array_out prints it. */
function canonicalArrayLiteral(value: string): string | undefined {
  const text = value.trim();
  if (!text.startsWith("{") || !text.endsWith("}")) return undefined;
  const inner = text.slice(1, -1);
  if (inner.trim() === "") return "{}";
  const elements: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < inner.length && /\s/.test(inner[i]!)) i++;
  };
  for (;;) {
    skipSpace();
    let element = "";
    if (inner[i] === '"') {
      for (i++; i < inner.length && inner[i] !== '"'; i++) {
        if (inner[i] === "\\") i++;
        element += inner[i] ?? "";
      }
      if (inner[i] !== '"') return undefined;
      i++;
    } else {
      const start = i;
      for (; i < inner.length && inner[i] !== ","; i++) if ('{}"\\'.includes(inner[i]!)) return undefined; // nested or odd: leave it
      element = inner.slice(start, i).trim();
      if (element === "" || /^null$/i.test(element)) return undefined;
    }
    elements.push(quoteArrayElement(element));
    skipSpace();
    if (i >= inner.length) break;
    if (inner[i] !== ",") return undefined;
    i++;
  }
  return `{${elements.join(",")}}`;
}

/** The elements of ARRAY[<literal>, …] starting at `start`, if all are plain literals. */
function arrayConstructorElements(tokens: Token[], start: number): { values: string[]; end: number } | undefined {
  const values: string[] = [];
  let j = start;
  if (tokens[j]?.text !== "]") {
    for (;;) {
      const token = tokens[j];
      const element = token && isLiteral(token) ? arrayElement(token) : undefined;
      if (element === undefined) return undefined;
      values.push(element);
      j++;
      if (tokens[j]?.text !== ",") break;
      j++;
    }
  }
  return tokens[j]?.text === "]" ? { values, end: j } : undefined;
}

/**
 * A column default in a form where equal values compare equal: casts around literals dropped,
 * numeric strings unquoted, ARRAY[...] of literals written as an array literal,
 * CURRENT_TIMESTAMP and transaction_timestamp() written now(). Unknown syntax is left alone.
 */
export function normaliseDefault(expression: string, columnType: string): string {
  const tokens = tokenize(expression);
  if (!tokens) return expression.trim();
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      // <literal>::type → <literal>
      if (token.kind === "cast" && literalAtomStart(tokens, i - 1) >= 0) {
        tokens.splice(i, typeNameEnd(tokens, i + 1) - i);
        changed = true;
        break;
      }
      // (<literal>) → <literal>, unless the parenthesis is a call's
      if (token.text === "(" && isLiteral(tokens[i + 1]) && tokens[i + 2]?.text === ")") {
        const before = tokens[i - 1];
        if (before?.kind !== "ident" && before?.kind !== "qident") {
          tokens.splice(i, 3, { ...tokens[i + 1]!, space: token.space });
          changed = true;
          break;
        }
      }
      // '5' → 5 (the column's type decides what the value is; '5' and 5 give the same one)
      const value = stringValue(token);
      if (value !== undefined && tokens[i + 1]?.kind !== "cast" && /^-?\d+(\.\d+)?$/.test(value)) {
        tokens[i] = { kind: "number", text: canonicalNumber(value), space: token.space };
        changed = true;
        break;
      }
      // CURRENT_TIMESTAMP, transaction_timestamp() → now(): the same function
      const word = token.kind === "ident" ? token.text.toLowerCase() : "";
      const isEmptyCall = tokens[i + 1]?.text === "(" && tokens[i + 2]?.text === ")";
      if ((word === "current_timestamp" && tokens[i + 1]?.text !== "(") || (word === "transaction_timestamp" && isEmptyCall)) {
        const call: Token[] = [
          { kind: "ident", text: "now", space: token.space },
          { kind: "punct", text: "(", space: false },
          { kind: "punct", text: ")", space: false },
        ];
        tokens.splice(i, word === "current_timestamp" ? 1 : 3, ...call);
        changed = true;
        break;
      }
      // ARRAY['a', 'b'] → '{a,b}' (once the elements' own casts are gone)
      if (word === "array" && tokens[i + 1]?.text === "[") {
        const elements = arrayConstructorElements(tokens, i + 2);
        if (elements) {
          tokens.splice(i, elements.end - i + 1, stringToken(`{${elements.values.join(",")}}`, token.space));
          changed = true;
          break;
        }
      }
    }
  }
  const only = tokens.length === 1 ? tokens[0]! : undefined;
  const value = only ? stringValue(only) : undefined;
  if (value !== undefined && columnType.endsWith("[]")) {
    const canonical = canonicalArrayLiteral(value);
    if (canonical !== undefined) return stringToken(canonical, false).text;
  }
  return render(tokens);
}
