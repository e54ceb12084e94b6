import { describe, expect, it } from "vitest";
import { displayCommand, executionMode, migrateDiffFromEmpty, migrateResolveRolledBack } from "../../src/prisma/commands.js";
import { parsePrismaVersion } from "../../src/prisma/prisma-cli.js";

describe("Prisma version detection and flags", () => {
  it("reads supported versions and refuses others with the supported range", () => {
    expect(parsePrismaVersion("6.19.3")).toEqual({ version: "6.19.3", major: 6, minor: 19 });
    expect(parsePrismaVersion("7.10.1")).toMatchObject({ major: 7, minor: 10 });
    expect(parsePrismaVersion("6.6.0")).toMatchObject({ major: 6, minor: 6 });
    for (const old of ["6.5.0", "5.22.0", "8.0.0"]) {
      expect(() => parsePrismaVersion(old)).toThrow(expect.objectContaining({ code: "PRISMA_VERSION_UNSUPPORTED", hint: expect.stringContaining("6.6 to 7.x") }));
    }
    expect(() => parsePrismaVersion("latest")).toThrow(expect.objectContaining({ code: "PRISMA_VERSION_UNSUPPORTED" }));
  });

  it("Prisma 7 renamed --to-schema-datamodel to --to-schema", () => {
    expect(migrateDiffFromEmpty({ major: 6, minor: 19 }, "/p/prisma/schema.prisma")).toEqual([
      "migrate", "diff", "--from-empty", "--to-schema-datamodel", "/p/prisma/schema.prisma", "--script",
    ]);
    expect(migrateDiffFromEmpty({ major: 7, minor: 0 }, "/p/prisma/schema.prisma")).toEqual([
      "migrate", "diff", "--from-empty", "--to-schema", "/p/prisma/schema.prisma", "--script",
    ]);
  });

  it("knows how each version sends a migration file", () => {
    expect(executionMode({ major: 6, minor: 19 }, true)).toBe("split-on-semicolon");
    expect(executionMode({ major: 6, minor: 19 }, false)).toBe("single-transaction");
    expect(executionMode({ major: 7, minor: 3 }, false)).toBe("single-transaction");
    expect(executionMode({ major: 7, minor: 4 }, false)).toBe("per-statement");
  });

  it("prints commands a user can paste, relative to the project", () => {
    expect(displayCommand(migrateResolveRolledBack("/p/prisma/schema.prisma", "0002_x"), "/p")).toBe(
      "npx prisma migrate resolve --rolled-back 0002_x --schema prisma/schema.prisma",
    );
    expect(displayCommand(["migrate", "resolve", "--applied", "it's"], "/p")).toBe("npx prisma migrate resolve --applied 'it'\\''s'");
  });
});
