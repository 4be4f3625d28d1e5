/** Where the CLI writes; tests pass their own. Light on purpose: `main.ts` loads it at every start. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Standard output as a stream, for output too large to hand over as one string (a download). */
  outStream?: NodeJS.WritableStream;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  outStream: process.stdout,
};

/** `--json`: the raw API result, for scripts. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
