import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { enableTypeScriptImports } from '../typescript-runtime.js';
import { topLevelCommand } from './catalogue.js';
import { applyServerEnv, startupError } from './serve.js';

/** The shape both drivers' `execute` results come in: postgres.js an array, PGlite `{ rows }`. */
function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  const rows = (result as { rows?: unknown } | null)?.rows;
  return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
}

export function registerMigrate(program: Command, ctx: CliContext): void {
  topLevelCommand(program, 'migrate').action(async () => {
    applyServerEnv(ctx);
    await enableTypeScriptImports();
    const api = await import('@cardbridge/server');
    let env: ReturnType<typeof api.parseEnv>;
    let handle: Awaited<ReturnType<typeof api.openConfiguredDatabase>>;
    try {
      env = api.parseEnv(process.env);
      handle = await api.openConfiguredDatabase(env);
    } catch (err) {
      throw startupError(err, 'migrate');
    }
    const database = env.DATABASE_URL
      ? 'PostgreSQL (DATABASE_URL)'
      : `embedded PGlite in ${env.CARDBRIDGE_DATA_DIR}`;
    // drizzle records applied migrations in drizzle.__drizzle_migrations (absent on a fresh database).
    const countApplied = async (): Promise<number> => {
      try {
        const result: unknown = await handle.db.execute(
          'select count(*)::int as n from drizzle.__drizzle_migrations',
        );
        return Number(rowsOf(result)[0]?.n ?? 0);
      } catch {
        return 0;
      }
    };
    let before: number;
    let after: number;
    try {
      before = await countApplied();
      await handle.migrate();
      after = await countApplied();
    } catch (err) {
      throw startupError(err, 'migrate');
    } finally {
      await handle.close();
    }
    const applied = after - before;
    const result = { database, applied, total: after };
    ctx.emit(result, () =>
      [
        `database:   ${database}`,
        applied > 0
          ? `migrations: applied ${applied} new migration${applied === 1 ? '' : 's'} (${after} in total)`
          : `migrations: already up to date (${after} applied)`,
        '',
      ].join('\n'),
    );
  });
}
