import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError, exitCodes, UsageError } from '../errors.js';
import { enableTypeScriptImports } from '../typescript-runtime.js';
import { topLevelCommand } from './catalogue.js';

/**
 * The API reads its config from the environment (apps/api/src/env.ts, parsed once); the
 * server-side flags just set those variables before it is loaded.
 */
export function applyServerEnv(ctx: CliContext, opts: { host?: string; port?: string } = {}): void {
  const dataDir = ctx.flags().dataDir;
  if (dataDir) process.env.CARDBRIDGE_DATA_DIR = path.resolve(dataDir);
  if (opts.host !== undefined) process.env.HOST = opts.host;
  if (opts.port !== undefined) process.env.PORT = opts.port;
}

/** A bad variable is a usage error (2); anything else that stops start-up is exit 5. */
export function startupError(err: unknown, what: string): CliError {
  const message = err instanceof Error ? err.message : String(err);
  if (message.startsWith('Invalid environment')) {
    const issues = message
      .split('\n')
      .slice(1)
      .map((line) => /^\s*([^:]+):\s*(.*)$/.exec(line))
      .flatMap((m) => (m?.[1] && m[2] ? [{ path: m[1], message: m[2] }] : []));
    return new UsageError('Invalid environment.', issues);
  }
  return new CliError(`${what} failed: ${message}`, exitCodes.server);
}

export function registerServe(program: Command, ctx: CliContext): void {
  topLevelCommand(program, 'serve')
    .option('--host <host>', 'interface to listen on (env HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free port (env PORT, default 8787)')
    .action(async (opts: { host?: string; port?: string }) => {
      applyServerEnv(ctx, opts);
      // The API runtime is loaded only here (and in `migrate`): every other command talks HTTP.
      await enableTypeScriptImports();
      const api = await import('@cardbridge/server');
      try {
        await api.serve();
      } catch (err) {
        throw startupError(err, 'serve');
      }
    });
}
