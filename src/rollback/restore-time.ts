// --to-time: an ISO-8601 instant with a zone, not in the future.
import { DbshipError } from "../errors.js";

export function parseRestoreTime(text: string, now = new Date()): Date {
  const valid = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text);
  const time = new Date(text);
  if (!valid || Number.isNaN(time.getTime())) {
    throw new DbshipError("TIME_OUT_OF_WINDOW", `--to-time "${text}" is not an ISO-8601 time with a zone`, {
      hint: `Write it like ${now.toISOString().slice(0, 19)}Z (UTC) or 2026-11-25T10:00:00+01:00.`,
    });
  }
  if (time.getTime() > now.getTime()) {
    throw new DbshipError("TIME_OUT_OF_WINDOW", `--to-time ${time.toISOString()} is in the future`, {
      hint: `Choose a time before now (${now.toISOString()}) and within the project's history retention.`,
    });
  }
  return time;
}
