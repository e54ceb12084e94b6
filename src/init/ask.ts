// A free-text question on the terminal (src/ui/prompt.ts has only yes/no). Prompts go to stderr
// so that stdout keeps only the result.
import readline from "node:readline/promises";

export type Ask = (question: string) => Promise<string>;

export async function ask(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(`${question} `)).trim();
  } finally {
    rl.close();
  }
}
