// Progress goes to stderr, so stdout stays for results (and holds exactly one JSON document with
// --json). A spinner on an interactive terminal; plain lines in CI, in pipes and with --json.
import chalk from "chalk";
import type { Ora } from "ora";

export type Progress = {
  start(title: string): void;
  succeed(line: string): void;
  fail(line: string): void;
  skip(line: string): void;
  info(line: string): void;
  warn(line: string): void;
  /** Shown only with --verbose. */
  verbose(text: string): void;
  /** Stops any spinner (before a prompt or the final report). */
  pause(): void;
};

export type ProgressOptions = { json: boolean; verbose: boolean; stream?: NodeJS.WriteStream };

export async function createProgress(options: ProgressOptions): Promise<Progress> {
  const stream = options.stream ?? process.stderr;
  // NOTE: a pseudo-terminal can report 0 columns (`script`, some CI wrappers, docker -t without a
  // size): ora then computes an infinite number of lines to clear and never returns. No spinner
  // without a width.
  const interactive = Boolean(stream.isTTY) && (stream.columns ?? 0) > 0 && !process.env.CI && !options.json && !options.verbose;
  const write = (line: string) => stream.write(`${line}\n`);
  let spinner: Ora | undefined;
  if (interactive) {
    const { default: ora } = await import("ora");
    spinner = ora({ stream, discardStdin: false });
  }
  const stop = (symbol: string, line: string) => {
    if (spinner?.isSpinning) spinner.stopAndPersist({ symbol, text: line });
    else write(`${symbol} ${line}`);
  };
  return {
    start(title) {
      if (spinner) spinner.start(`${title}…`);
      else write(`→ ${title}…`);
    },
    succeed: (line) => stop(chalk.green("✔"), line),
    fail: (line) => stop(chalk.red("✖"), line),
    skip: (line) => stop(chalk.dim("-"), chalk.dim(line)),
    info(line) {
      spinner?.clear();
      write(line);
      spinner?.render();
    },
    warn(line) {
      spinner?.clear();
      write(`${chalk.yellow("!")} ${line}`);
      spinner?.render();
    },
    verbose(text) {
      if (options.verbose) write(chalk.dim(text.replace(/\n+$/, "")));
    },
    pause() {
      spinner?.stop();
    },
  };
}
