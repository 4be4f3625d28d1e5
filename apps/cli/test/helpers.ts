import { Readable, Writable } from 'node:stream';
import type { ApiClient } from '../src/client.js';
import type { CliDeps, SecretSource } from '../src/context.js';
import { run } from '../src/main.js';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
  /** What the hidden prompts wrote (the terminal), separate from stdout and stderr. */
  prompt: string;
}

/** A piped stdin holding `text` (not a TTY). */
export const pipedStdin = (text: string): SecretSource => Readable.from([Buffer.from(text)]);

/** Runs the CLI in-process with captured output and the given (fake) API client. */
export async function runCli(
  argv: string[],
  opts: {
    client?: unknown;
    createClient?: CliDeps['createClient'];
    /** Default: an empty pipe. */
    stdin?: SecretSource;
    /** Default: stop at once. */
    untilStopped?: CliDeps['untilStopped'];
    /** Anything else to replace (files, interrupts, sleep, progress…). */
    deps?: Partial<CliDeps>;
  } = {},
): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  let prompt = '';
  const createClient =
    opts.createClient ??
    (() => {
      if (!opts.client) throw new Error('this test expected no API call');
      return opts.client as ApiClient;
    });
  const code = await run(argv, {
    io: {
      out: (s) => {
        stdout += s;
      },
      err: (s) => {
        stderr += s;
      },
    },
    createClient,
    stdin: opts.stdin ?? pipedStdin(''),
    promptOut: new Writable({
      write(chunk, _encoding, callback) {
        prompt += String(chunk);
        callback();
      },
    }),
    untilStopped: opts.untilStopped ?? (async () => 'SIGTERM'),
    // No real waiting, and no process signal handlers, unless a test asks.
    sleep: async () => {},
    interrupts: () => ({ signal: new Promise(() => {}), dispose: () => {} }),
    progress: new Writable({ write: (_chunk, _encoding, callback) => callback() }),
    ...opts.deps,
  });
  return { code, stdout, stderr, prompt };
}

/** A fake procedure: records inputs, answers with `result` (or throws it when it is an Error). */
export function fakeProcedure<T>(result: T) {
  const calls: unknown[] = [];
  const call = async (input: unknown) => {
    calls.push(input);
    if (result instanceof Error) throw result;
    return result;
  };
  return { calls, query: call, mutate: call };
}

/** A fake procedure that answers with each of `results` in turn (the last one repeats). */
export function fakeSequence<T>(results: T[]) {
  const calls: unknown[] = [];
  const call = async (input?: unknown) => {
    calls.push(input);
    return results[Math.min(calls.length, results.length) - 1] as T;
  };
  return { calls, query: call, mutate: call };
}
