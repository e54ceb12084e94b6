// Human rendering of an error and of warnings, shared by every command. An error is rendered
// once, at the top of the output.
import chalk from "chalk";

export function renderError(error: { code: string; message: string; hint?: string | null | undefined }): string {
  const lines = [`${chalk.red("✖")} ${chalk.bold(error.message)} ${chalk.dim(`[${error.code}]`)}`];
  if (error.hint) lines.push(...error.hint.split("\n").map((line) => `  ${line}`));
  return lines.join("\n");
}

export function renderWarnings(warnings: string[]): string[] {
  return warnings.map((warning) => `${chalk.yellow("!")} ${warning}`);
}
