// The Markdown summary of a fixed plan, byte for byte: what a reviewer reads on the pull request.
import { describe, expect, it } from "vitest";
import { assessMigrations } from "../../src/plan/assess.js";
import type { MigrationMeasure } from "../../src/plan/measure-statements.js";
import type { PlanReport } from "../../src/plan/plan-report.js";
import { renderPlanMarkdown } from "../../src/plan/render-markdown.js";
import type { LintFinding } from "../../src/lint/types.js";

const MB = 1024 * 1024;

const measured: MigrationMeasure[] = [
  {
    name: "0007_orders_status",
    durationMs: 14_212.4,
    completed: true,
    statements: [
      {
        index: 1,
        line: 2,
        sql: 'ALTER TABLE "orders" ADD COLUMN "status" TEXT NOT NULL DEFAULT \'new\'',
        transaction: "own",
        durationMs: 3.1,
        locks: [{ relation: "orders", mode: "ACCESS EXCLUSIVE", blocks: "reads and writes", heldMs: 3.1, seen: ["commit"] }],
        rewrites: [],
        indexesBuilt: [],
        rows: null,
      },
      {
        index: 2,
        line: 4,
        sql: 'CREATE INDEX "orders_status_idx" ON "orders"("status")',
        transaction: "own",
        durationMs: 14_007.9,
        locks: [{ relation: "orders", mode: "SHARE", blocks: "writes", heldMs: 14_007.9, seen: ["commit", "sampled"] }],
        rewrites: [],
        indexesBuilt: [{ name: "orders_status_idx", table: "orders", bytes: 214 * MB }],
        rows: { count: 12_400_000, how: "estimated" },
      },
      {
        index: 3,
        line: 6,
        sql: 'ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("total" > 0) NOT VALID',
        transaction: "own",
        durationMs: 1.4,
        locks: [{ relation: "orders", mode: "ACCESS EXCLUSIVE", blocks: "reads and writes", heldMs: 1.4, seen: ["commit"] }],
        rewrites: [],
        indexesBuilt: [],
        rows: null,
      },
      {
        index: 4,
        line: 7,
        sql: 'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_total_positive"',
        transaction: "own",
        durationMs: 200,
        locks: [{ relation: "orders", mode: "SHARE UPDATE EXCLUSIVE", blocks: "nothing", heldMs: 200, seen: ["commit", "sampled"] }],
        rewrites: [],
        indexesBuilt: [],
        rows: null,
      },
    ],
  },
  {
    name: "0008_customers_email",
    durationMs: 812,
    completed: false,
    statements: [
      {
        index: 1,
        line: 1,
        sql: 'ALTER TABLE "customers" ADD CONSTRAINT "customers_email_check" CHECK ("email" LIKE \'%@%\')',
        transaction: "own",
        durationMs: 812,
        locks: [],
        rewrites: [],
        indexesBuilt: [],
        rows: null,
        error: { code: "23514", message: 'check constraint "customers_email_check" of relation "customers" is violated by some row' },
        violation: { kind: "check", table: "customers", constraint: "customers_email_check", rule: "CHECK (\"email\" LIKE '%@%')", rows: 3, sample: ["id=17", "id=204", "id=9051"] },
      },
    ],
  },
];

const findings: LintFinding[] = [
  {
    rule: "require-concurrent-index-creation",
    severity: "error",
    migration: "0007_orders_status",
    line: 4,
    column: 1,
    statement: 'CREATE INDEX "orders_status_idx" ON "orders"("status")',
    message: "CREATE INDEX without CONCURRENTLY blocks writes to orders while the index is built",
    safeAlternative: "CREATE INDEX CONCURRENTLY, in a migration of its own",
  },
];

const report: PlanReport = {
  command: "plan",
  ok: false,
  exitCode: 3,
  production: "db.example.com:5432/shop",
  provider: "neon",
  executionMode: "split-on-semicolon",
  thresholdMs: 1000,
  pending: ["0007_orders_status", "0008_customers_email", "0009_orders_note"],
  lint: { errors: 1, warnings: 0, acknowledged: 0, findings },
  schemaCheck: { inSync: true, differences: [] },
  migrations: assessMigrations(["0007_orders_status", "0008_customers_email", "0009_orders_note"], measured, findings, 1000),
  prisma: { applied: true, durationMs: 2300, withRows: false, sameSchema: null, error: null },
  blockers: [
    { code: "LINT_ERRORS", message: "lint found 1 blocking problem(s): 0007_orders_status:4 require-concurrent-index-creation" },
    { code: "MIGRATION_FAILS", message: "0008_customers_email/migration.sql line 1 fails on production's data" },
  ],
  error: { code: "PLAN_BLOCKED", message: "the plan found 2 problem(s)", hint: null },
  warnings: [],
};

const EXPECTED = `<!-- dbship-plan -->
## dbship plan: 3 pending migration(s) for \`db.example.com:5432/shop\` — ⛔ 2 problem(s) would stop the deploy

Measured statement by statement on a throwaway copy of production. Prisma sends each \`;\`-separated piece on its own, so a lock lasts as long as its statement. ⚠️ marks a lock that blocks the application for 1.0 s or more.

**Would stop the deploy**

- \`LINT_ERRORS\`: lint found 1 blocking problem(s): 0007_orders_status:4 require-concurrent-index-creation
- \`MIGRATION_FAILS\`: 0008_customers_email/migration.sql line 1 fails on production's data

### \`0007_orders_status\` — 14 s

| | line | statement | measured |
| --- | --- | --- | --- |
| 🟡 | 2 | \`ALTER TABLE "orders" ADD COLUMN "status" TEXT NOT NULL DEFAULT 'new'\` | blocks reads and writes to \`orders\` for ~3 ms (ACCESS EXCLUSIVE); no rewrite |
| ⚠️ | 4 | \`CREATE INDEX "orders_status_idx" ON "orders"("status")\` | blocks writes to \`orders\` for ~14 s (SHARE); built index \`orders_status_idx\` (214 MB); ~12,400,000 row(s) processed |
| 🟡 | 6 | \`ALTER TABLE "orders" ADD CONSTRAINT "orders_total_positive" CHECK ("total" > 0) NOT VALID\` | blocks reads and writes to \`orders\` for ~1 ms (ACCESS EXCLUSIVE); no rewrite |
| ✅ | 7 | \`ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_total_positive"\` | blocks no reads or writes (SHARE UPDATE EXCLUSIVE on \`orders\`, ~200 ms); no rewrite |

- line 4, \`require-concurrent-index-creation\` (error): CREATE INDEX CONCURRENTLY, in a migration of its own

### \`0008_customers_email\` — 812 ms

| | line | statement | measured |
| --- | --- | --- | --- |
| ⛔ | 1 | \`ALTER TABLE "customers" ADD CONSTRAINT "customers_email_check" CHECK ("email" LIKE '%@%')\` | fails: 3 row(s) of \`customers\` violate CHECK ("email" LIKE '%@%') (e.g. id=17; id=204; id=9051) |

### \`0009_orders_note\`

Not run: an earlier statement failed.

Prisma applied the migrations itself (\`prisma migrate deploy\`) on a second copy with production's schema and ledger, without its rows, in 2.3 s.

<sub>Measured without production's traffic: on production a lock is also waited for behind running transactions, and everything queued behind it waits too.</sub>
`;

describe("the plan's Markdown summary", () => {
  it("renders a fixed plan to the expected bytes", () => {
    expect(renderPlanMarkdown(report)).toBe(EXPECTED);
  });

  it("escapes a | in a statement, which would end the table cell", () => {
    const piped = structuredClone(report);
    const statement = piped.migrations[0]!.statements[0]!;
    statement.sql = "UPDATE \"orders\" SET \"note\" = 'a' || 'b'";
    expect(renderPlanMarkdown(piped)).toContain("| 🟡 | 2 | `UPDATE \"orders\" SET \"note\" = 'a' \\|\\| 'b'` |");
  });

  it("says an UPDATE blocks writes to the rows it changed, though its table lock blocks nothing", () => {
    const [migration] = assessMigrations(
      ["0010_backfill"],
      [
        {
          name: "0010_backfill",
          durationMs: 2300,
          completed: true,
          statements: [
            {
              index: 1,
              line: 1,
              sql: 'UPDATE "orders" SET "status" = \'paid\' WHERE "paid_at" IS NOT NULL',
              transaction: "own",
              durationMs: 2300,
              locks: [{ relation: "orders", mode: "ROW EXCLUSIVE", blocks: "nothing", heldMs: 2300, seen: ["commit"] }],
              rewrites: [],
              indexesBuilt: [],
              rows: { count: 50_000, how: "changed" },
            },
          ],
        },
      ],
      [],
      1000,
    );
    expect(migration!.statements[0]).toMatchObject({ verdict: "over-threshold", summary: "blocks writes to the 50,000 changed row(s) of `orders` for ~2.3 s (row locks)" });
  });
});
