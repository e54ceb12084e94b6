// What counts as a lost connection (not a failed statement): the schema check and rollback tell
// "the server went away" from "the migration is wrong" with it.
import { describe, expect, it } from "vitest";
import { isConnectionLost, saysConnectionLost } from "../../src/infra/database-errors.js";

describe("saysConnectionLost", () => {
  it.each([
    "0003_slow failed: FATAL: terminating connection due to administrator command",
    "the database system is shutting down",
    "Connection terminated unexpectedly",
    "Error: P1017: Server has closed the connection.",
    "P1001: Can't reach database server at `127.0.0.1:5432`",
    "Database error code: 57P01",
  ])("%s → lost", (text) => expect(saysConnectionLost(text)).toBe(true));

  it.each([
    '0003 failed: relation "moments" does not exist',
    'syntax error at or near "ALTR"',
    'duplicate key value violates unique constraint "users_email_key"',
    "column \"slow\" of relation \"moments\" already exists",
  ])("%s → a statement's own failure", (text) => expect(saysConnectionLost(text)).toBe(false));
});

describe("isConnectionLost", () => {
  it("goes by SQLSTATE when there is one, by the words otherwise", () => {
    expect(isConnectionLost(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error("connection failure"), { code: "08006" }))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error("permission denied for table moments"), { code: "42501" }))).toBe(false);
    expect(isConnectionLost(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isConnectionLost(new Error("something else"))).toBe(false);
  });
});
