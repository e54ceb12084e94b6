// The machine a benchmark ran on, printed at the top of every run (RESULTS.md copies it).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

export function machineSummary() {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpu;
  } catch {
    // Not Linux.
  }
  let nproc = String(os.cpus().length);
  try {
    nproc = execFileSync("nproc", { encoding: "utf8" }).trim();
  } catch {
    // No coreutils.
  }
  const [l1, l5, l15] = os.loadavg().map((value) => value.toFixed(2));
  return [
    `date: ${new Date().toISOString()}`,
    `node: ${process.version} (${process.platform} ${process.arch})`,
    `cpu: ${cpu}; nproc ${nproc}; memory ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(os.freemem() / 2 ** 30).toFixed(1)} GiB free`,
    `load average: ${l1} ${l5} ${l15}`,
  ].join("\n");
}
