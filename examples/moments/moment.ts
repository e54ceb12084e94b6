// A Moment and the rules its input follows. The title limit is the database's own
// (CHECK moments_title_length: char_length(title) <= 200), counted the way PostgreSQL counts.
import { z } from "zod";

export const TITLE_MAX_CHARACTERS = 200;

export type Moment = {
  id: string;
  title: string;
  body: string | null;
  createdAt: Date;
  updatedAt: Date;
};

/**
 * Characters as PostgreSQL's char_length counts them in a UTF-8 database: code points. JS
 * `.length` counts UTF-16 units, so an emoji would count 2 and a valid 200-emoji title would
 * be refused. Combining marks count on their own ("é" written e + U+0301 is 2), as in PostgreSQL.
 */
export function characterCount(text: string): number {
  let count = 0;
  for (const _codePoint of text) count++;
  return count;
}

export type MomentField = "input" | "id" | "title" | "body";

export type FieldIssue = {
  field: MomentField;
  /** required: missing or empty · blank: whitespace only · too_long · invalid: wrong type or format. */
  code: "required" | "blank" | "too_long" | "invalid";
  message: string;
};

export type ValidationError = { kind: "validation"; issues: FieldIssue[] };

export type NotFoundError = { kind: "not_found"; id: string; message: string };

export type MomentResult<E> = { ok: true; moment: Moment } | { ok: false; error: E };

// PostgreSQL text cannot hold U+0000: refuse it here rather than fail in the INSERT.
const noNul = (value: string) => !value.includes("\u0000");

/**
 * A title is 1 to 200 characters and not only whitespace: a title of spaces shows as an empty
 * Moment, so it is refused (trim() covers Unicode spaces such as U+00A0 and U+3000). The title is
 * stored as given, untrimmed, so the count checked here is the count the database checks.
 */
export const Title = z.string().superRefine((title, ctx) => {
  const issue = (reason: FieldIssue["code"], message: string) => ctx.addIssue({ code: "custom", message, params: { reason } });
  if (title === "") return issue("required", "title is required");
  if (title.trim() === "") return issue("blank", "title cannot be only whitespace");
  const count = characterCount(title);
  if (count > TITLE_MAX_CHARACTERS) return issue("too_long", `title is at most ${TITLE_MAX_CHARACTERS} characters (got ${count})`);
  if (!noNul(title)) return issue("invalid", "title cannot contain the NUL character (U+0000)");
});

export const Body = z.string().refine(noNul, { message: "body cannot contain the NUL character (U+0000)" });

/** zod's issues → the use cases' typed field issues. `input` tells a missing field from a wrong type. */
export function toValidationError(error: z.ZodError, input: unknown): ValidationError {
  return {
    kind: "validation",
    issues: error.issues.map((issue) => {
      const key = issue.path[0];
      const field: MomentField = key === "id" || key === "title" || key === "body" ? key : "input";
      if (issue.code === "custom") {
        const reason = (issue.params as { reason?: FieldIssue["code"] } | undefined)?.reason ?? "invalid";
        return { field, code: reason, message: issue.message };
      }
      const missing = field !== "input" && isObject(input) && input[field] === undefined;
      return missing ? { field, code: "required", message: `${field} is required` } : { field, code: "invalid", message: `${field}: ${issue.message}` };
    }),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
