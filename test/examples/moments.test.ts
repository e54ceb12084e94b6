// The Moment use cases on a real database built by the example's own migrations: the title
// limits as PostgreSQL counts them, invalid input never reaching storage, and the CHECK
// constraint that stops a long title coming in by any other path.
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  characterCount,
  createMoment,
  pgMomentRepository,
  updateMoment,
  type Moment,
  type MomentRepository,
} from "../../examples/moments/index.js";
import { runPrisma } from "../support/cli.js";
import { createProject, type TestProject } from "../support/project.js";
import { createTestDatabase, query, type TestDatabase } from "../support/postgres.js";

// One migrated database for the file (a Prisma deploy per test would cost seconds each);
// every test starts from an empty table.
let db: TestDatabase;
let project: TestProject;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase("moments");
  project = await createProject();
  const migrated = await runPrisma(["migrate", "deploy"], { cwd: project.dir, databaseUrl: db.url });
  expect(migrated.exitCode, migrated.stderr + migrated.stdout).toBe(0);
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});

afterAll(async () => {
  await pool?.end();
  await project?.cleanup();
  await db?.drop();
});

beforeEach(async () => {
  await query(db.url, "TRUNCATE moments");
});

/** The real pg repository, with a record of which methods the use case called. */
function recordingRepository(): { repository: MomentRepository; calls: string[] } {
  const real = pgMomentRepository(pool);
  const calls: string[] = [];
  return {
    calls,
    repository: {
      create: (moment) => (calls.push("create"), real.create(moment)),
      update: (id, changes) => (calls.push("update"), real.update(id, changes)),
      findById: (id) => (calls.push("findById"), real.findById(id)),
    },
  };
}

async function storedRows() {
  return query<{ id: string; title: string; body: string | null; chars: number; updated_at: Date | null }>(
    db.url,
    "SELECT id::text, title, body, char_length(title) AS chars, updated_at FROM moments ORDER BY created_at, id",
  );
}

const a = (n: number) => "a".repeat(n);
const emoji = (n: number) => "😀".repeat(n); // one code point, two UTF-16 units
const combining = (n: number) => "e\u0301".repeat(n); // "é" as e + COMBINING ACUTE: two code points

describe("CreateMoment title limits", () => {
  it.each([
    ["1 character", a(1)],
    ["200 characters", a(200)],
    ["200 emoji (400 UTF-16 units)", emoji(200)],
    ["100 e + combining accent (200 code points)", combining(100)],
    ["a title with surrounding spaces, stored as given", "  a  "],
  ])("accepts %s and stores it unchanged, as PostgreSQL counts it", async (_label, title) => {
    const { repository, calls } = recordingRepository();
    const result = await createMoment(repository, { title });
    expect(result).toMatchObject({ ok: true, moment: { title, body: null } });
    expect(calls).toEqual(["create"]);
    const rows = await storedRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ title, chars: characterCount(title) });
    expect(rows[0]!.chars).toBeLessThanOrEqual(200);
    expect(rows[0]!.updated_at).toBeInstanceOf(Date);
  });

  it.each([
    ["an empty title", { title: "" }, "required"],
    ["a missing title", { body: "no title" }, "required"],
    ["201 characters", { title: a(201) }, "too_long"],
    ["201 emoji", { title: emoji(201) }, "too_long"],
    ["100 e + combining accent, then one more e (201 code points, 101 letters on screen)", { title: `${combining(100)}e` }, "too_long"],
    ["a title of spaces", { title: "   " }, "blank"],
    ["a title of tabs, newlines and Unicode spaces", { title: "\t\n\u00a0\u3000" }, "blank"],
    ["a title that is not a string", { title: 42 }, "invalid"],
    ["a title with a NUL character", { title: "a\u0000b" }, "invalid"],
  ])("rejects %s before touching storage", async (_label, input, code) => {
    const { repository, calls } = recordingRepository();
    const result = await createMoment(repository, input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.kind).toBe("validation");
    expect(result.error.issues).toEqual([expect.objectContaining({ field: "title", code })]);
    expect(calls).toEqual([]);
    expect(await storedRows()).toEqual([]);
  });

  it("rejects input that is not an object", async () => {
    const { repository, calls } = recordingRepository();
    const result = await createMoment(repository, "just a title");
    expect(result).toMatchObject({ ok: false, error: { kind: "validation", issues: [{ field: "input", code: "invalid" }] } });
    expect(calls).toEqual([]);
  });

  it("stores an optional body, and null without one", async () => {
    const repository = pgMomentRepository(pool);
    const withBody = await createMoment(repository, { title: "with", body: "some words" });
    const without = await createMoment(repository, { title: "without" });
    expect(withBody).toMatchObject({ ok: true, moment: { body: "some words" } });
    expect(without).toMatchObject({ ok: true, moment: { body: null } });
    expect((await storedRows()).map((row) => [row.title, row.body])).toEqual([
      ["with", "some words"],
      ["without", null],
    ]);
  });
});

describe("character counting", () => {
  // What the zod check counts must be what the CHECK constraint counts, or one of them refuses
  // titles the other accepts. PostgreSQL is the referee here.
  it("counts exactly as PostgreSQL's char_length does", async () => {
    const samples = [
      "plain ascii",
      emoji(3),
      combining(3),
      "👨‍👩‍👧", // a family: 3 people joined by 2 zero-width joiners = 5 code points, 1 on screen
      "🇫🇷", // a flag: 2 regional indicators
      "각", // precomposed Hangul
      "\u1100\u1161\u11a8", // the same syllable from 3 jamo
      "日本語のタイトル",
      "\u00a0\u3000",
    ];
    const rows = await query<{ chars: number[] }>(db.url, "SELECT array_agg(char_length(t) ORDER BY i)::int[] AS chars FROM unnest($1::text[]) WITH ORDINALITY AS s(t, i)", [samples]);
    expect(samples.map(characterCount)).toEqual(rows[0]!.chars);
    // .length would not: it counts UTF-16 units.
    expect(samples.map((s) => s.length)).not.toEqual(rows[0]!.chars);
  });
});

describe("UpdateMoment", () => {
  async function existing(title = "before", body: string | null = "body before"): Promise<Moment> {
    const created = await createMoment(pgMomentRepository(pool), { title, body });
    if (!created.ok) throw new Error("fixture moment rejected");
    return created.moment;
  }

  it("changes the title, keeps the body when it is not given, and sets updated_at", async () => {
    const moment = await existing();
    const result = await updateMoment(pgMomentRepository(pool), { id: moment.id, title: emoji(200) });
    expect(result).toMatchObject({ ok: true, moment: { id: moment.id, title: emoji(200), body: "body before" } });
    const rows = await storedRows();
    expect(rows).toEqual([expect.objectContaining({ id: moment.id, title: emoji(200), body: "body before", chars: 200 })]);
    expect(rows[0]!.updated_at).toBeInstanceOf(Date);
  });

  it("clears the body with null", async () => {
    const moment = await existing();
    const result = await updateMoment(pgMomentRepository(pool), { id: moment.id, body: null });
    expect(result).toMatchObject({ ok: true, moment: { title: "before", body: null } });
    expect((await storedRows())[0]).toMatchObject({ title: "before", body: null });
  });

  it.each([
    ["201 characters", a(201), "too_long"],
    ["201 emoji", emoji(201), "too_long"],
    ["an empty title", "", "required"],
    ["a title of spaces", "   ", "blank"],
  ])("rejects %s and leaves the stored Moment as it was", async (_label, title, code) => {
    const moment = await existing();
    const { repository, calls } = recordingRepository();
    const result = await updateMoment(repository, { id: moment.id, title });
    expect(result).toMatchObject({ ok: false, error: { kind: "validation", issues: [{ field: "title", code }] } });
    expect(calls).toEqual([]);
    expect(await storedRows()).toEqual([expect.objectContaining({ id: moment.id, title: "before", body: "body before" })]);
  });

  it("returns not_found for an id no Moment has, and writes nothing", async () => {
    const moment = await existing();
    const missing = "0b5c1f6e-8d2a-4c3b-9e7f-1a2b3c4d5e6f";
    const result = await updateMoment(pgMomentRepository(pool), { id: missing, title: "after" });
    expect(result).toEqual({ ok: false, error: { kind: "not_found", id: missing, message: `no moment with id ${missing}` } });
    expect(await storedRows()).toEqual([expect.objectContaining({ id: moment.id, title: "before" })]);
  });

  it("rejects a malformed id before it reaches the database", async () => {
    const { repository, calls } = recordingRepository();
    const result = await updateMoment(repository, { id: "42; DROP TABLE moments", title: "after" });
    expect(result).toMatchObject({ ok: false, error: { kind: "validation", issues: [{ field: "id", code: "invalid" }] } });
    expect(calls).toEqual([]);
  });
});

describe("the database's CHECK constraint moments_title_length", () => {
  // Bypasses the use cases, as a direct Server Action call or a script would.
  async function insertDirectly(title: string): Promise<{ code?: string; constraint?: string } | null> {
    try {
      await query(db.url, "INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), $1, now())", [title]);
      return null;
    } catch (error) {
      return error as { code?: string; constraint?: string };
    }
  }

  it("refuses a 201-character title inserted with SQL", async () => {
    expect(await insertDirectly(a(201))).toMatchObject({ code: "23514", constraint: "moments_title_length" });
    expect(await storedRows()).toEqual([]);
  });

  it("draws the line where the use cases do: 200 code points pass, 201 do not", async () => {
    expect(await insertDirectly(emoji(201))).toMatchObject({ code: "23514", constraint: "moments_title_length" });
    expect(await insertDirectly(`${combining(100)}e`)).toMatchObject({ code: "23514", constraint: "moments_title_length" });
    expect(await insertDirectly(emoji(200))).toBeNull();
    expect(await insertDirectly(combining(100))).toBeNull();
    expect((await storedRows()).map((row) => row.chars)).toEqual([200, 200]);
  });
});
