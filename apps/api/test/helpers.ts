import type { RateLimitConfig } from '@cardbridge/api';
import { createLogger } from '@cardbridge/api';
import { logSink } from '@cardbridge/api/test/helpers.js';
import { MasterKey } from '@cardbridge/core';
import { createTestDatabase } from '@cardbridge/db/testing';

export * from '@cardbridge/api/test/helpers.js';

/** The real HTTP server on a random port over a fresh test database, with a temp data dir. */
export async function startTestServer(
  opts: {
    isProduction?: boolean;
    env?: Record<string, string>;
    rateLimits?: RateLimitConfig;
    realRetryDelays?: boolean;
    /** What the server takes for "now" (default: the system clock). */
    clock?: () => Date;
  } = {},
) {
  const { mkdtemp, readFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { startApp } = await import('../src/app.js');
  const { parseEnv } = await import('../src/env.js');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-api-test-'));
  const database = await createTestDatabase();
  const app = await startApp({
    env: parseEnv({
      PORT: '0',
      CARDBRIDGE_DATA_DIR: dataDir,
      NODE_ENV: opts.isProduction ? 'production' : 'test',
      CARDBRIDGE_MASTER_KEY: MasterKey.generateBase64(),
      STRIPE_TIMEOUT_MS: '2000',
      ...opts.env,
    }),
    // Retries of gateway calls do not wait in tests, unless a suite asks for the real backoff.
    ...(opts.realRetryDelays ? {} : { gatewaySleep: async () => {} }),
    ...(opts.rateLimits ? { rateLimits: opts.rateLimits } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    database,
    logger: createLogger({ level: 'debug', destination: logSink }),
  });
  const bootstrapKey = (await readFile(app.bootstrapKeyFile, 'utf8')).trim();
  // Closing the app also removes its data dir: a suite leaves nothing behind in /tmp.
  const closeApp = app.close;
  app.close = async () => {
    await closeApp();
    await rm(dataDir, { recursive: true, force: true });
  };
  return { app, url: app.url, dataDir, bootstrapKey };
}
