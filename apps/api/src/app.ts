import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  type AppDeps,
  createDeps,
  createLogger,
  followApiKeyRevocations,
  type Logger,
  purgeExpiredIdempotencyKeys,
  type RateLimitConfig,
  startMigrationWorker,
  startRecovery,
} from '@cardbridge/api';
import type { MasterKey } from '@cardbridge/core';
import { type DatabaseHandle, openDatabase } from '@cardbridge/db';
import { ensureBootstrapKey } from './bootstrap.js';
import type { Env } from './env.js';
import { createRequestListener } from './http/server.js';
import { loadMasterKey } from './master-key.js';

export interface RunningApp {
  url: string;
  server: Server;
  deps: AppDeps;
  database: DatabaseHandle;
  bootstrapKeyFile: string;
  close(): Promise<void>;
}

/** Embedded PGlite in the data dir unless DATABASE_URL names a real PostgreSQL server. */
export async function openConfiguredDatabase(
  env: Env,
  opts: { onWarning?: (message: string) => void } = {},
): Promise<DatabaseHandle> {
  if (env.DATABASE_URL) return openDatabase({ kind: 'postgres', url: env.DATABASE_URL });
  const dataDir = path.join(env.CARDBRIDGE_DATA_DIR, 'pgdata');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // Refused at once (DataDirLockedError, naming the holder) while another process has it open.
  return openDatabase({ kind: 'pglite', dataDir, ...opts });
}

/** The PGP key export files are encrypted to, read once at start (a missing file stops start-up, named). */
export async function loadImportKey(env: Env): Promise<{ armored: string; passphrase?: string } | null> {
  if (!env.CARDBRIDGE_IMPORT_PGP_KEY_FILE) return null;
  try {
    const armored = await readFile(env.CARDBRIDGE_IMPORT_PGP_KEY_FILE, 'utf8');
    return {
      armored,
      ...(env.CARDBRIDGE_IMPORT_PGP_PASSPHRASE ? { passphrase: env.CARDBRIDGE_IMPORT_PGP_PASSPHRASE } : {}),
    };
  } catch (err) {
    throw new Error(
      `CARDBRIDGE_IMPORT_PGP_KEY_FILE: cannot read ${env.CARDBRIDGE_IMPORT_PGP_KEY_FILE}: ${(err as Error).message}`,
    );
  }
}

const idempotencyPurgeIntervalMs = 60 * 60 * 1000;

/**
 * Idempotency-Key records older than 24 h are ignored by requests already; this keeps the
 * table small: once at start, then hourly. The timer is unref'd (it never keeps the process
 * up); a failed purge is only logged, the next one catches up.
 */
function purgeIdempotencyKeysPeriodically(deps: AppDeps): () => void {
  const purge = () => {
    purgeExpiredIdempotencyKeys(deps).catch((err: unknown) =>
      deps.logger.warn({ err }, 'idempotency key purge failed'),
    );
  };
  purge();
  const timer = setInterval(purge, idempotencyPurgeIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The composition root: database, migrations, bootstrap key, HTTP server. */
export async function startApp(opts: {
  env: Env;
  logger?: Logger;
  database?: DatabaseHandle;
  clock?: () => Date;
  masterKey?: MasterKey;
  gatewaySleep?: (ms: number) => Promise<void>;
  /** Test hook: limits beyond what the environment can say (e.g. a wider per-key window). */
  rateLimits?: RateLimitConfig;
}): Promise<RunningApp> {
  const { env } = opts;
  const logger = opts.logger ?? createLogger({ level: env.LOG_LEVEL });
  const database =
    opts.database ?? (await openConfiguredDatabase(env, { onWarning: (message) => logger.warn(message) }));
  try {
    return await startOn(database, opts, logger);
  } catch (err) {
    // Nothing may keep a half-started app alive (a failed listen used to hang with the database
    // open): close the database we opened (which releases the data-dir lock), then fail.
    if (!opts.database) await database.close().catch(() => {});
    throw err;
  }
}

async function startOn(
  database: DatabaseHandle,
  opts: Parameters<typeof startApp>[0],
  logger: Logger,
): Promise<RunningApp> {
  const { env } = opts;
  await database.migrate();
  await mkdir(env.CARDBRIDGE_DATA_DIR, { recursive: true, mode: 0o700 });
  const masterKey = opts.masterKey ?? (await loadMasterKey(env, logger));
  const { keyFile } = await ensureBootstrapKey(database.db, env.CARDBRIDGE_DATA_DIR);
  const isProduction = env.NODE_ENV === 'production';
  const deps = createDeps({
    database,
    masterKey,
    logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
    isProduction,
    stripeTimeoutMs: env.STRIPE_TIMEOUT_MS,
    gatewayDeadlineMs: env.CARDBRIDGE_GATEWAY_DEADLINE_MS,
    // A local emulator is fine while developing; in production only what the operator lists.
    apiBases: { allowList: env.CARDBRIDGE_GATEWAY_API_BASES, allowLoopback: !isProduction },
    ...(opts.gatewaySleep ? { gatewaySleep: opts.gatewaySleep } : {}),
    rateLimits: opts.rateLimits ?? {
      perKeyPerSecond: env.CARDBRIDGE_RATE_LIMIT_PER_KEY,
      perKeyBurst: env.CARDBRIDGE_RATE_LIMIT_BURST,
      authFailuresPerMinute: env.CARDBRIDGE_AUTH_FAILURE_LIMIT,
    },
    intentLeaseMs: env.CARDBRIDGE_INTENT_LEASE_MS,
    idempotencyLeaseMs: env.CARDBRIDGE_IDEMPOTENCY_LEASE_MS,
    importKey: await loadImportKey(env),
    apiKeyCacheMs: env.CARDBRIDGE_API_KEY_CACHE_MS,
  });
  // Keys are cached only while revocations are heard (a pooler without LISTEN: no cache).
  const stopFollowing = await followApiKeyRevocations(deps, database).catch((err: unknown) => {
    logger.warn({ err }, 'cannot LISTEN for API key revocations: authenticated keys are not cached');
    return async () => {};
  });
  const server = createServer(
    createRequestListener(deps, {
      maxBatchSize: env.CARDBRIDGE_TRPC_MAX_BATCH,
      maxUploadBytes: env.CARDBRIDGE_MIGRATION_FILE_MAX_BYTES,
      requestTimeoutMs: env.CARDBRIDGE_REQUEST_TIMEOUT_MS,
    }),
  );
  // Each request gets its own bound instead (http/request-deadline.ts): an upload's body may
  // take longer than a JSON body, as long as it keeps coming.
  server.requestTimeout = 0;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${env.HOST}:${env.PORT}`;
      if (err.code === 'EADDRINUSE')
        reject(new Error(`cannot listen on ${where}: the port is already in use`));
      else if (err.code === 'EACCES') reject(new Error(`cannot listen on ${where}: permission denied`));
      else reject(new Error(`cannot listen on ${where}: ${err.message}`));
    });
    server.listen(env.PORT, env.HOST, () => resolve());
  });
  // Timers start only once the server listens: a failed start leaves nothing running.
  const stopPurging = purgeIdempotencyKeysPeriodically(deps);
  // Resolves gateway intents a crash left pending, now and on a timer (README "Gateway intents").
  const recovery = startRecovery(deps, env.CARDBRIDGE_RECOVERY_INTERVAL_MS);
  // On the embedded database no other process can reach the queue: the server always works it.
  if (env.CARDBRIDGE_WORKER === 'on' || database.kind === 'pglite') {
    await startMigrationWorker(deps, { concurrency: env.CARDBRIDGE_WORKER_CONCURRENCY });
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${env.HOST}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      stopPurging();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5_000).unref();
      });
      await recovery.stop();
      await deps.jobs.stop();
      await stopFollowing().catch(() => {});
      await database.close();
    })();
    return closing;
  };
  return { url, server, deps, database, bootstrapKeyFile: keyFile, close };
}
