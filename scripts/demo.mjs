#!/usr/bin/env node
// `npm run demo`: dbship on the example project against a real, embedded PostgreSQL.
//
// 1. "production" is deployed from the previous release (the baseline only) and holds moments;
//    `dbship deploy` then ships 0002 (the title CHECK constraint) for real.
// 2. A production that holds a 250-character title: the rehearsal catches the failure and
//    production stays untouched.
// 3. The same with --no-rehearsal: the deploy fails on production and dbship prints the
//    rollback instructions; the demo runs the printed command and shows production restored.
import { execa } from "execa";
import { cp, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { startEmbeddedPostgres } from "../dist/infra/embedded-postgres.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dbship = path.join(root, "bin/dbship.js");
const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

function banner(text) {
  console.log(`\n${bold(`━━ ${text}`)}\n`);
}

async function sql(url, text, params = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Production as the previous release left it: the baseline migration applied by Prisma. */
async function buildProduction(adminUrl, name, titles) {
  await sql(adminUrl, `CREATE DATABASE "${name}"`);
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  const release = await mkdtemp(path.join(os.tmpdir(), "dbship-demo-release-"));
  try {
    await symlink(path.join(root, "node_modules"), path.join(release, "node_modules"), "dir");
    await cp(path.join(root, "prisma.config.ts"), path.join(release, "prisma.config.ts"));
    await writeFile(path.join(release, "package.json"), '{ "type": "module", "private": true }\n');
    await cp(path.join(root, "prisma/schema.prisma"), path.join(release, "prisma/schema.prisma"));
    await cp(path.join(root, "prisma/migrations/migration_lock.toml"), path.join(release, "prisma/migrations/migration_lock.toml"));
    await cp(path.join(root, "prisma/migrations/0001_baseline"), path.join(release, "prisma/migrations/0001_baseline"), { recursive: true });
    await execa("npx", ["prisma", "migrate", "deploy"], { cwd: release, env: { DATABASE_URL: url } });
  } finally {
    await rm(release, { recursive: true, force: true });
  }
  for (const title of titles) await sql(url, "INSERT INTO moments (id, title, updated_at) VALUES (gen_random_uuid(), $1, now())", [title]);
  return url;
}

async function run(args, url) {
  console.log(bold(`$ dbship ${args.join(" ")}`));
  const result = await execa("node", [dbship, ...args], { cwd: root, env: { DATABASE_URL: url }, reject: false, stdio: "inherit" });
  console.log(`(exit code ${result.exitCode})`);
  return result.exitCode;
}

async function show(url, label) {
  const rows = await sql(url, "SELECT left(title, 40) AS title, char_length(title) AS chars FROM moments ORDER BY created_at, title");
  const ledger = await sql(url, "SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY started_at");
  console.log(`${label}: ${rows.length} moment(s) ${JSON.stringify(rows.map((row) => `${row.title}${row.chars > 40 ? "…" : ""} (${row.chars})`))}`);
  console.log(`${" ".repeat(label.length)}  ledger: ${ledger.map((row) => `${row.migration_name}${row.finished ? "" : " (FAILED)"}`).join(", ")}`);
}

const server = await startEmbeddedPostgres();
console.log(`Embedded PostgreSQL on port ${server.port}. Note: Prisma 6.19's WebAssembly engine idles ~10 s after each migrate deploy before it exits.`);
try {
  banner("1. Ship 0002_moment_title_length to a healthy production");
  const healthy = await buildProduction(server.adminUrl, "moments_prod", ["Sunrise over the bay", "First day at school"]);
  await show(healthy, "production before");
  await run(["status"], healthy);
  await run(["deploy"], healthy);
  await show(healthy, "production after ");
  await run(["snapshot", "list"], healthy);

  banner("2. A 250-character title in production: the rehearsal catches it");
  const risky = await buildProduction(server.adminUrl, "moments_prod_2", ["Short title", "x".repeat(250)]);
  await show(risky, "production before");
  await run(["deploy"], risky);
  await show(risky, "production after ");

  banner("3. The same without the rehearsal: production fails, dbship says how to get it back");
  console.log(bold("$ dbship deploy --no-rehearsal"));
  const failed = await execa("node", [dbship, "deploy", "--no-rehearsal"], { cwd: root, env: { DATABASE_URL: risky }, reject: false });
  process.stderr.write(`${failed.stderr}\n`);
  console.log(`${failed.stdout}\n(exit code ${failed.exitCode})`);
  await show(risky, "production now   ");
  // Copy the restore command from what dbship printed, as a person would.
  const printed = /restore:\s+(dbship rollback .+)$/m.exec(failed.stdout)?.[1];
  if (printed) {
    console.log(`\nRunning the printed command (with --yes, since this demo has no one to answer the question):`);
    const [, ...args] = printed.trim().split(/\s+/);
    await run([...args, "--yes"], risky);
    await show(risky, "production restored");
  }
} finally {
  await server.stop();
}
