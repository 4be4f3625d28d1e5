/*
 * @cardbridge/api: the tRPC router, its procedures and the services behind them (the write
 * pipeline), with no HTTP server. Hosts (apps/api's HTTP server, tests, jobs) build the
 * dependencies with `createDeps` and call the router over HTTP or with `createCaller`.
 */
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './routers/index.js';

export type { Actor } from './actor.js';
export { ApiKeyCache } from './auth/api-key-cache.js';
export { apiKeyFromAuthorization } from './auth/api-key-secret.js';
export { procedureScopes, type StreamOperation, streamOperationScopes } from './auth/procedure-scopes.js';
export { defaultRateLimits, type RateLimitConfig, RateLimits, retryAfterOf } from './auth/rate-limits.js';
export type { AppDeps, Context, Principal } from './context.js';
export { createInternalContext } from './context.js';
export { createDeps, type DepsConfig, defaultApiKeyCacheMs, followApiKeyRevocations } from './deps.js';
export { errorCodeTable } from './error-codes.js';
export { internalErrorMessage, publicIssues, publicMessage, publicStack } from './error-redaction.js';
export { type ApiBasePolicy, parseApiBaseAllowList } from './gateways/api-base-policy.js';
export { GatewayRegistry } from './gateways/registry.js';
export { purgeExpiredIdempotencyKeys, replayedHeader } from './idempotency.js';
export { createLogger, type Logger } from './logger.js';
export { appRouter } from './routers/index.js';
export { issueApiKey } from './services/access.js';
export { createDefaultTestAccount } from './services/gateway-accounts.js';
export {
  type Artifact,
  type ArtifactFormat,
  artifactFormats,
  DEFAULT_CHUNK_CONCURRENCY as defaultWorkerConcurrency,
  MAX_FILE_BYTES as maxMigrationFileBytes,
  renderArtifact,
  startMigrationWorker,
} from './services/migrations/index.js';
export { recoverGatewayIntents, startRecovery } from './services/payment-methods/index.js';
export {
  openMigrationArtifact,
  type UploadedMigrationFile,
  uploadMigrationFile,
} from './stream-operations.js';
export { createCallerFactory } from './trpc.js';
export type { AppRouter };

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

import { appRouter as router } from './routers/index.js';
import { createCallerFactory as callerFactory } from './trpc.js';

/** An in-process caller of the whole router (tests, jobs): `createCaller(ctx).customers.list()`. */
export const createCaller = callerFactory(router);
