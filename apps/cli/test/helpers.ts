import type { ApiClient } from '../src/client.js';
import type { CliDeps } from '../src/context.js';
import { run } from '../src/main.js';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output and the given (fake) API client. */
export async function runCli(
  argv: string[],
  opts: { client?: unknown; createClient?: CliDeps['createClient'] } = {},
): Promise<Captured> {
  let stdout = '';
  let stderr = '';
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
  });
  return { code, stdout, stderr };
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
