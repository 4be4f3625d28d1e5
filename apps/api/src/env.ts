import { fileURLToPath } from 'node:url';
import { defaultWorkerConcurrency, maxMigrationFileBytes, parseApiBaseAllowList } from '@cardbridge/api';
import { z } from 'zod';

/** `<repo>/.cardbridge`: fixed relative to the code, so the server and CLI agree whatever the cwd. */
export const defaultDataDir = fileURLToPath(new URL('../../../.cardbridge', import.meta.url));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  /** A real PostgreSQL server; when unset the embedded PGlite database in the data dir is used. */
  DATABASE_URL: z.url().optional(),
  CARDBRIDGE_DATA_DIR: z.string().min(1).default(defaultDataDir),
  /** base64 of 32 bytes: the key-encrypting key of the vault. Required in production. */
  CARDBRIDGE_MASTER_KEY: z.string().min(1).optional(),
  /** Per-attempt timeout of calls to Stripe, in ms. */
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** How long a request owns its gateway intents; after it, recovery resolves them. */
  CARDBRIDGE_INTENT_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(120_000),
  /** How often the recovery sweep looks for gateway intents left pending by a crash. */
  CARDBRIDGE_RECOVERY_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /**
   * How long a request holds its Idempotency-Key, in ms: a record still in flight after this
   * belongs to a request that died, and the next request with the key takes it over.
   */
  CARDBRIDGE_IDEMPOTENCY_LEASE_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(120_000),
  /** Overall deadline of one gateway call, across its retries, in ms. */
  CARDBRIDGE_GATEWAY_DEADLINE_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /**
   * Comma-separated URL prefixes a gateway account's `apiBase` may point at (e.g.
   * `https://stripe-proxy.internal/`). Loopback is allowed besides, outside production only.
   */
  CARDBRIDGE_GATEWAY_API_BASES: z
    .string()
    .default('')
    .transform((raw, ctx) => {
      try {
        return parseApiBaseAllowList(raw);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
        return z.NEVER;
      }
    }),
  /** Requests per second one API key may make (0: no limit). */
  CARDBRIDGE_RATE_LIMIT_PER_KEY: z.coerce.number().int().min(0).max(1_000_000).default(300),
  /** Extra requests per key allowed in a burst, spread over 10 s, once the per-second budget is spent. */
  CARDBRIDGE_RATE_LIMIT_BURST: z.coerce.number().int().min(0).max(10_000_000).default(1_000),
  /** Failed authentications one client address may make per minute before it gets 429 (0: no limit). */
  CARDBRIDGE_AUTH_FAILURE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(60),
  /**
   * How long a client may take to send a request, body included, in ms; an upload of a migration
   * source file may take longer, as long as it never pauses this long.
   */
  CARDBRIDGE_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  /** The largest migration source file (a Stripe card export, a mapping file) one upload may hold. */
  CARDBRIDGE_MIGRATION_FILE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .default(maxMigrationFileBytes),
  /**
   * How long, in ms, a key that authenticated may be served without a database lookup (0:
   * never). A revoked key is dropped on every server when the revocation commits (NOTIFY);
   * this is the bound should that notification be lost. README "API keys and revocation".
   */
  CARDBRIDGE_API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  /** Most calls one tRPC batch request may carry. */
  CARDBRIDGE_TRPC_MAX_BATCH: z.coerce.number().int().min(1).max(1_000).default(10),
  /**
   * 'on': this server also works on migration jobs (always so on the embedded database, where no
   * other process can). 'off': it only queues them, for `cardbridge worker` processes to do.
   */
  CARDBRIDGE_WORKER: z.enum(['on', 'off']).default('on'),
  /** Chunks of migration jobs one process works on at once. */
  CARDBRIDGE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(defaultWorkerConcurrency),
  /** The OpenPGP private key (armored file) that Stripe card-export files are encrypted to. */
  CARDBRIDGE_IMPORT_PGP_KEY_FILE: z.string().min(1).optional(),
  /** Its passphrase, when it has one. */
  CARDBRIDGE_IMPORT_PGP_PASSPHRASE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

/** Config is parsed once, here; a bad variable stops start-up with its name. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid environment:\n${lines}`);
  }
  return parsed.data;
}
