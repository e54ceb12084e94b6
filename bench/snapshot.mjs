// `snapshot`: the postgres provider's snapshot (dist/providers/postgres.js createSnapshot:
// CREATE DATABASE … TEMPLATE plus its checks, comment and read-back) as production grows
// (10 MB, 100 MB, 1 GB of generate_series data), in seconds per GB, against the same copy by
// hand: CREATE DATABASE … TEMPLATE with the default strategy (WAL_LOG) and with
// STRATEGY FILE_COPY (PostgreSQL 15+). On a PostgreSQL of its own with default durability
// (fsync on): the test suite's fsync=off would hide the cost of writing the copy.
// Every copy is followed by a timed CHECKPOINT (reported apart): WAL_LOG returns once the copy
// is in the WAL and leaves dirty pages for the checkpointer, FILE_COPY checkpoints before and
// after copying the files, so "copy + checkpoint" compares the work each leaves behind.
// Each size starts with one untimed copy (the first read of a freshly built source is slower).
// `-- --sizes 10,100` skips the 1 GB database (its build takes a minute or more).
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ident, query, startBenchPostgres, withClient } from "./lib/pg.mjs";
import { repoRoot } from "./lib/proc.mjs";
import { fmtMs, fmtNum, fmtPct, LoadWatch, noiseVerdict, summarize, table, NOISE_SPREAD } from "./lib/stats.mjs";

const METHODS = {
  provider: "dbship postgres provider createSnapshot",
  walLog: "CREATE DATABASE … TEMPLATE (WAL_LOG, default)",
  fileCopy: "CREATE DATABASE … TEMPLATE STRATEGY FILE_COPY",
};

export async function run({ runs, sizes = [10, 100, 1000] }) {
  const watch = new LoadWatch();
  const { createPostgresProvider } = await import(pathToFileURL(path.join(repoRoot, "dist/providers/postgres.js")).href);
  const server = await startBenchPostgres();
  const settings = await query(server.adminUrl, "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'wal_level') ORDER BY name");
  console.log(`server: ${server.describe}; ${settings.map((s) => `${s.name}=${s.setting}${s.unit ?? ""}`).join(", ")}\n`);
  const verdictSeries = {};
  const summaryRows = [];
  let largest;
  try {
    for (const megabytes of sizes) {
      const source = `snap_src_${megabytes}`;
      const built = performance.now();
      const bytes = await buildDatabase(server, source, megabytes);
      const gb = bytes / 1e9;
      console.log(`-- ${fmtNum(bytes / 1e6, 1)} MB database (target ${megabytes} MB), built in ${fmtMs(performance.now() - built)}`);
      // One untimed copy first: the first read of a freshly built source is slower (in earlier
      // runs the first 1 GB copy took 3–4.7 s against ~2.4 s for the next ones).
      await query(server.adminUrl, `CREATE DATABASE snap_warmup TEMPLATE ${ident(source)}`);
      await query(server.adminUrl, "DROP DATABASE snap_warmup");
      await query(server.adminUrl, "CHECKPOINT");
      const count = runs ?? (megabytes >= 1000 ? 3 : 5);
      const times = Object.fromEntries(Object.keys(METHODS).map((key) => [key, { copy: [], checkpoint: [] }]));
      for (let i = 0; i < count; i++) {
        const order = Object.keys(METHODS);
        for (let r = 0; r < i % order.length; r++) order.push(order.shift());
        for (const method of order) {
          const target = `snap_copy_${megabytes}_${method.toLowerCase()}_${i}`;
          const copy = await copyOnce(server, createPostgresProvider, method, source, target);
          const checkpoint = await timed(server.adminUrl, "CHECKPOINT");
          times[method].copy.push(copy);
          times[method].checkpoint.push(checkpoint);
          await query(server.adminUrl, `DROP DATABASE ${ident(target)}`);
          await query(server.adminUrl, "CHECKPOINT");
        }
        watch.sample();
        process.stderr.write(`  ${megabytes} MB run ${i + 1}/${count}: ${Object.keys(METHODS).map((m) => `${m} ${fmtMs(times[m].copy.at(-1))}`).join(", ")}\n`);
      }
      const rows = [];
      const s = {};
      for (const [method, label] of Object.entries(METHODS)) {
        const copy = summarize(times[method].copy);
        const withCheckpoint = summarize(times[method].copy.map((ms, j) => ms + times[method].checkpoint[j]));
        s[method] = { copy, withCheckpoint };
        verdictSeries[`${megabytes}MB:${method}`] = copy;
        rows.push([
          label,
          copy.n,
          fmtMs(copy.median),
          `${fmtMs(copy.min)}–${fmtMs(copy.max)}`,
          `${fmtPct(copy.spread)}${copy.spread > NOISE_SPREAD ? " !" : ""}`,
          `${(copy.median / 1000 / gb).toFixed(2)}`,
          fmtMs(withCheckpoint.median),
          `${(withCheckpoint.median / 1000 / gb).toFixed(2)}`,
        ]);
      }
      console.log(table(["", "runs", "copy median", "min–max", "spread", "s/GB", "copy + CHECKPOINT", "s/GB"], rows));
      const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
      console.log(
        `provider / bare WAL_LOG: ${ratio(s.provider.copy.median, s.walLog.copy.median)} (+${fmtMs(s.provider.copy.median - s.walLog.copy.median)}); ` +
          `FILE_COPY / WAL_LOG: copy ${ratio(s.fileCopy.copy.median, s.walLog.copy.median)}, copy + checkpoint ${ratio(s.fileCopy.withCheckpoint.median, s.walLog.withCheckpoint.median)}\n`,
      );
      summaryRows.push([
        `${fmtNum(bytes / 1e6, 0)} MB`,
        fmtMs(s.provider.copy.median),
        fmtMs(s.walLog.copy.median),
        fmtMs(s.fileCopy.copy.median),
        `${(s.walLog.copy.median / 1000 / gb).toFixed(2)} / ${(s.fileCopy.copy.median / 1000 / gb).toFixed(2)}`,
        `${fmtMs(s.walLog.withCheckpoint.median)} / ${fmtMs(s.fileCopy.withCheckpoint.median)}`,
      ]);
      largest = { megabytes, s };
      if (megabytes === Math.max(...sizes)) largest.busy = await busyVariant(server, source, count, watch, verdictSeries, gb);
      await query(server.adminUrl, `DROP DATABASE ${ident(source)}`);
    }
    console.log(`Summary (medians)\n${table(["size", "provider", "WAL_LOG", "FILE_COPY", "s/GB WAL_LOG / FILE_COPY", "+CHECKPOINT WAL_LOG / FILE_COPY"], summaryRows)}\n`);
    if (largest) {
      const { s, megabytes } = largest;
      const faster = s.fileCopy.copy.median < 0.67 * s.walLog.copy.median && s.fileCopy.withCheckpoint.median < s.walLog.withCheckpoint.median;
      console.log(
        faster
          ? `At ${megabytes} MB, FILE_COPY is clearly faster than the default WAL_LOG (${fmtMs(s.fileCopy.copy.median)} vs ${fmtMs(s.walLog.copy.median)}, and still faster counting the checkpoint): worth using in src/providers/postgres.ts copyDatabase.`
          : `At ${megabytes} MB, FILE_COPY is not clearly faster than WAL_LOG (${fmtMs(s.fileCopy.copy.median)} vs ${fmtMs(s.walLog.copy.median)}; with the checkpoint ${fmtMs(s.fileCopy.withCheckpoint.median)} vs ${fmtMs(s.walLog.withCheckpoint.median)}).`,
      );
      const busy = largest.busy;
      console.log(
        `With ${BUSY_MB} MB of fresh writes elsewhere on the server before each copy: FILE_COPY ${fmtMs(busy.fileCopy.median)} vs WAL_LOG ${fmtMs(busy.walLog.median)} ` +
          `(${(busy.fileCopy.median / busy.walLog.median).toFixed(2)}x; FILE_COPY's opening checkpoint now has the whole server's dirty pages to write).`,
      );
    }
    console.log("");
    noiseVerdict(watch, verdictSeries);
  } finally {
    await server.stop();
  }
}

const BUSY_MB = 100;

/**
 * The same two copies on a server that is writing elsewhere: before each copy, an UPDATE of a
 * ~100 MB table in another database leaves dirty pages and WAL behind (a production server is
 * rarely idle). FILE_COPY starts with a checkpoint of the whole cluster; WAL_LOG flushes only
 * the source database's pages.
 */
async function busyVariant(server, source, count, watch, verdictSeries, gb) {
  await query(server.adminUrl, "CREATE DATABASE snap_busy");
  const busyUrl = server.url("snap_busy");
  await query(busyUrl, `CREATE TABLE busy AS SELECT i AS id, i AS v, md5(i::text) || md5((i * 3)::text) AS pad FROM generate_series(1, ${Math.round((BUSY_MB * 1e6) / 110)}) i`);
  await query(busyUrl, "VACUUM busy");
  await query(server.adminUrl, "CHECKPOINT");
  const times = { walLog: [], fileCopy: [] };
  try {
    for (let i = 0; i < count; i++) {
      const order = i % 2 ? ["fileCopy", "walLog"] : ["walLog", "fileCopy"];
      for (const method of order) {
        await query(busyUrl, "UPDATE busy SET v = v + 1");
        const target = `snap_copy_busy_${method.toLowerCase()}_${i}`;
        const strategy = method === "fileCopy" ? " STRATEGY FILE_COPY" : "";
        times[method].push(await timed(server.adminUrl, `CREATE DATABASE ${ident(target)} TEMPLATE ${ident(source)}${strategy}`));
        await query(server.adminUrl, `DROP DATABASE ${ident(target)}`);
        await query(busyUrl, "VACUUM busy");
        await query(server.adminUrl, "CHECKPOINT");
      }
      watch.sample();
    }
  } finally {
    await query(server.adminUrl, "DROP DATABASE snap_busy");
  }
  const result = { walLog: summarize(times.walLog), fileCopy: summarize(times.fileCopy) };
  verdictSeries["busy:walLog"] = result.walLog;
  verdictSeries["busy:fileCopy"] = result.fileCopy;
  const row = (label, sm) => [label, sm.n, fmtMs(sm.median), `${fmtMs(sm.min)}–${fmtMs(sm.max)}`, `${fmtPct(sm.spread)}${sm.spread > NOISE_SPREAD ? " !" : ""}`, (sm.median / 1000 / gb).toFixed(2)];
  console.log(`after ${BUSY_MB} MB of writes to another database, before each copy:`);
  console.log(table(["", "runs", "copy median", "min–max", "spread", "s/GB"], [row(METHODS.walLog, result.walLog), row(METHODS.fileCopy, result.fileCopy)]));
  console.log("");
  return result;
}

async function timed(url, sql) {
  return withClient(url, async (client) => {
    const started = performance.now();
    await client.query(sql);
    return performance.now() - started;
  });
}

/** One copy of `source` as `target`, timed around the copy alone (the session is already open). */
async function copyOnce(server, createPostgresProvider, method, source, target) {
  if (method === "provider") {
    const provider = createPostgresProvider({ databaseUrl: server.url(source), maintenanceDatabase: "postgres", snapshotPrefix: "snap_copy_" });
    try {
      const started = performance.now();
      await provider.createSnapshot(target);
      return performance.now() - started;
    } finally {
      await provider.close();
    }
  }
  const strategy = method === "fileCopy" ? " STRATEGY FILE_COPY" : "";
  return timed(server.adminUrl, `CREATE DATABASE ${ident(target)} TEMPLATE ${ident(source)}${strategy}`);
}

/** A database of about `megabytes` MB: an events table (with a primary key and one index) filled with generate_series. */
async function buildDatabase(server, name, megabytes) {
  await query(server.adminUrl, `CREATE DATABASE ${ident(name)}`);
  const url = server.url(name);
  await withClient(url, async (client) => {
    await client.query(`CREATE TABLE events (
      id bigint PRIMARY KEY, account_id integer NOT NULL, kind text NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL)`);
    await client.query("CREATE INDEX events_account_id_idx ON events (account_id)");
    const size = async () => Number((await client.query("SELECT pg_database_size(current_database()) AS b")).rows[0].b);
    const insert = (from, to) =>
      client.query(
        `INSERT INTO events SELECT i, (i * 7919) % 100000, (ARRAY['signup','login','purchase','refund'])[1 + i % 4],
                md5(i::text) || md5((i * 31)::text) || md5((i * 17)::text), now() - (i || ' seconds')::interval
           FROM generate_series($1::bigint, $2::bigint) i`,
        [from, to],
      );
    const empty = await size();
    let rows = 20_000;
    await insert(1, rows);
    const perRow = ((await size()) - empty) / rows;
    const target = megabytes * 1e6;
    while ((await size()) < target * 0.97) {
      const more = Math.max(1000, Math.min(2_000_000, Math.ceil((target - (await size())) / perRow)));
      await insert(rows + 1, rows + more);
      rows += more;
    }
    await client.query("VACUUM (ANALYZE, FREEZE) events");
  });
  await query(server.adminUrl, "CHECKPOINT");
  return Number((await query(server.adminUrl, "SELECT pg_database_size($1) AS b", [name]))[0].b);
}
