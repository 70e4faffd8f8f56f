import { createInterface } from "node:readline/promises";

/** One answer typed on the terminal (the question goes to stderr so stdout stays clean), trimmed. */
export async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}
