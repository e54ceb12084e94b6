// Figures over several runs: median, min/max, p10/p90 and the relative spread, plus the noise
// checks every benchmark prints (spread > 20 % of the median, load average above the core count).
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";

export const NOISE_SPREAD = 0.2;
/** Share of the machine's cores other processes may use before the figures get a warning. */
export const FOREIGN_SHARE = 0.25;

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/** Summary of one series of measurements (any unit). spread = (max - min) / median. */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  return {
    n: sorted.length,
    median,
    min,
    max,
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
    spread: median > 0 ? (max - min) / median : 0,
    values,
  };
}

/**
 * Watches the machine during a benchmark: the highest 1-minute load average seen (the benchmark's
 * own processes count in it too: up to 2 busy at times), and, more precisely on Linux, the CPU
 * time other processes used: all busy CPU time (/proc/stat, steal included) minus the time of
 * this process and its descendants (PostgreSQL, dbship, Prisma), over the wall time.
 */
export class LoadWatch {
  constructor() {
    this.cores = os.cpus().length;
    this.samples = [];
    this.started = performance.now();
    this.cpuStart = cpuTicks();
    this.sample();
  }
  sample() {
    this.samples.push(os.loadavg()[0]);
  }
  get max() {
    return Math.max(...this.samples);
  }
  get overloaded() {
    return this.max > this.cores;
  }
  /** Cores' worth of CPU used by processes other than this benchmark's, on average so far. */
  foreignCores() {
    const now = cpuTicks();
    if (!now || !this.cpuStart) return undefined;
    const seconds = (performance.now() - this.started) / 1000;
    const busy = now.busy - this.cpuStart.busy;
    const own = now.own - this.cpuStart.own;
    return Math.max(0, (busy - own) / TICKS_PER_SECOND / seconds);
  }
  describe() {
    const foreign = this.foreignCores();
    const share = foreign === undefined ? "" : `; other processes used ${foreign.toFixed(2)} of the ${this.cores} cores on average (CPU time outside this benchmark's process tree)`;
    return `load average (1 min) max ${this.max.toFixed(2)} over ${this.samples.length} samples, ${this.cores} cores${share}`;
  }
}

// USER_HZ: 100 on every Linux that Node supports.
const TICKS_PER_SECOND = 100;

/** Busy CPU ticks of the whole machine and of this process tree (live descendants and reaped children). */
function cpuTicks() {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = cpu;
    const busy = user + nice + system + irq + softirq + (steal ?? 0);
    const stats = new Map();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const text = readFileSync(`/proc/${entry}/stat`, "utf8");
        const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
        // After the comm field: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
        stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) });
      } catch {
        // Gone meanwhile.
      }
    }
    const mine = new Set([process.pid]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [pid, stat] of stats) {
        if (!mine.has(pid) && mine.has(stat.ppid)) {
          mine.add(pid);
          grew = true;
        }
      }
    }
    let own = 0;
    for (const pid of mine) own += stats.get(pid)?.ticks ?? 0;
    return { busy, own };
  } catch {
    return undefined;
  }
}

export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return "-";
  if (Math.abs(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (Math.abs(ms) >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.round(ms)} ms`;
}

export function fmtPct(ratio) {
  return Number.isFinite(ratio) ? `${Math.round(ratio * 100)}%` : "-";
}

export function fmtNum(value, digits = 0) {
  return Number.isFinite(value) ? value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "-";
}

/** Plain-text table; the first column left-aligned, the others right-aligned. */
export function table(header, rows) {
  const all = [header, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]?.length ?? 0)));
  const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  return [line(all[0]), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n");
}

/** One row for a time series: label, median, min, max, spread (with a "!" when noisy). */
export function timeRow(label, summary, format = fmtMs) {
  const noisy = summary.spread > NOISE_SPREAD ? " !" : "";
  return [label, summary.n, format(summary.median), format(summary.min), format(summary.max), `${fmtPct(summary.spread)}${noisy}`];
}

export const TIME_HEADER = ["", "runs", "median", "min", "max", "spread"];

/**
 * Prints the noise verdict for a benchmark: which series spread more than 20 % of their median,
 * and whether the load average exceeded the core count. Returns true when the figures are noisy.
 */
export function noiseVerdict(watch, series) {
  watch.sample();
  const noisy = Object.entries(series).filter(([, s]) => s && s.spread > NOISE_SPREAD);
  const lines = [];
  lines.push(`machine: ${watch.describe()}`);
  const foreign = watch.foreignCores();
  const busyElsewhere = foreign !== undefined && foreign > FOREIGN_SHARE * watch.cores;
  if (watch.overloaded && foreign === undefined) {
    lines.push(`WARNING: the load average (${watch.max.toFixed(2)}) exceeded the ${watch.cores} cores during the run: other work competed for the CPU; treat these figures with suspicion and run again on a quiet machine.`);
  } else if (watch.overloaded) {
    // The load average counts this benchmark's own processes (Node, PostgreSQL, Prisma: up to
    // 2–3 runnable at once) and lags a minute, so on a small machine it passes the core count on
    // its own; the CPU time of other processes says whether anything else competed.
    lines.push(`note: the load average (${watch.max.toFixed(2)}) passed the ${watch.cores} cores; it counts this benchmark's own processes, and other processes used ${foreign.toFixed(2)} cores.`);
  }
  if (busyElsewhere) {
    lines.push(`WARNING: other processes used ${foreign.toFixed(2)} cores on average (more than ${fmtPct(FOREIGN_SHARE)} of the machine): they competed with the benchmark for the CPU.`);
  }
  if (noisy.length) {
    lines.push(`WARNING: too noisy to trust: spread above ${fmtPct(NOISE_SPREAD)} of the median for ${noisy.map(([name, s]) => `${name} (${fmtPct(s.spread)})`).join(", ")}.`);
  }
  if (!(watch.overloaded && foreign === undefined) && !busyElsewhere && !noisy.length) lines.push(`noise: every series within ${fmtPct(NOISE_SPREAD)} of its median, little CPU used by other processes.`);
  console.log(lines.join("\n"));
  return (watch.overloaded && foreign === undefined) || busyElsewhere || noisy.length > 0;
}
