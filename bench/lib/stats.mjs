// Figures over several runs: median, min/max, p10/p90 and the relative spread, plus the noise
// checks every benchmark prints (spread > 20 % of the median, load average above the core count).
import os from "node:os";

export const NOISE_SPREAD = 0.2;

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

/** Watches the machine during a benchmark: the highest 1-minute load average seen. */
export class LoadWatch {
  constructor() {
    this.cores = os.cpus().length;
    this.samples = [];
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
  describe() {
    return `load average (1 min) max ${this.max.toFixed(2)} over ${this.samples.length} samples, ${this.cores} cores`;
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
  if (watch.overloaded) {
    lines.push(`WARNING: the load average (${watch.max.toFixed(2)}) exceeded the ${watch.cores} cores during the run: other work competed for the CPU; do not trust these figures, run again on a quiet machine.`);
  }
  if (noisy.length) {
    lines.push(`WARNING: too noisy to trust: spread above ${fmtPct(NOISE_SPREAD)} of the median for ${noisy.map(([name, s]) => `${name} (${fmtPct(s.spread)})`).join(", ")}.`);
  }
  if (!watch.overloaded && !noisy.length) lines.push(`noise: every series within ${fmtPct(NOISE_SPREAD)} of its median, load below the core count.`);
  console.log(lines.join("\n"));
  return watch.overloaded || noisy.length > 0;
}
