import { createHash } from 'node:crypto';
import {
  DomainError,
  type MigrationFileDto,
  type MigrationJobDto,
  migrationFileDto,
  migrationJobIdInput,
  uploadMigrationFileInput,
} from '@cardbridge/core';
import { insertAuditEvent } from '@cardbridge/db';
import type { z } from 'zod';
import type { Actor } from './actor.js';
import { authorize } from './auth/authorize.js';
import type { StreamOperation } from './auth/procedure-scopes.js';
import type { Context } from './context.js';
import { IdempotentReplay, idempotentAtCommit, replayedHeader } from './idempotency.js';
import {
  type Artifact,
  type ArtifactFormat,
  artifactFormats,
  getMigrationJobDto,
  renderArtifact,
  storeMigrationFile,
} from './services/migrations/index.js';

/*
 * What the HTTP host serves as byte streams rather than through a procedure: a job's source
 * file going up (its body is the file, never held whole), a job's report or id map coming down
 * (rendered a page of rows at a time). Each does what the procedure chain does for the others:
 * the key, its rate limit and the scope of its operation (`streamOperationScopes`), strict input,
 * Idempotency-Key on the change, failures audited. The host keeps HTTP: content types, the size
 * cap, headers, back-pressure.
 */

function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw DomainError.validation(
    result.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(input)', message: i.message })),
  );
}

/** A failed change leaves its audit row, as the `audited` middleware writes for procedures. */
async function auditFailure(ctx: Context, actor: Actor, action: StreamOperation, error: unknown) {
  const code = error instanceof DomainError ? error.code : (error as { code?: unknown } | null)?.code;
  await insertAuditEvent(ctx.deps.db, {
    tenantId: actor.tenantId,
    actorKeyId: actor.keyId,
    action,
    targetType: 'migrationFiles',
    targetId: null,
    outcome: 'failure',
    origin: ctx.origin,
    details: { requestId: ctx.requestId, errorCode: typeof code === 'string' ? code : 'INTERNAL' },
  }).catch((err: unknown) => ctx.deps.logger.error({ err, action }, 'audit write failed'));
}

export interface UploadedMigrationFile {
  file: MigrationFileDto;
  /** The answer of an earlier request with the same Idempotency-Key and the same bytes. */
  replayed: boolean;
}

/**
 * Stores `body` as a job's source file (scope `imports`). With an Idempotency-Key, the request
 * is the name and the bytes (their SHA-256): sent again, the first file is the answer and the
 * copy just read is left incomplete, which no job can use.
 */
export async function uploadMigrationFile(
  ctx: Context,
  input: { name: unknown; body: AsyncIterable<Uint8Array>; maxBytes?: number },
): Promise<UploadedMigrationFile> {
  const actor = await authorize(ctx, 'migrations.uploadFile');
  try {
    const { name } = parseInput(uploadMigrationFileInput, { name: input.name });
    const digest = createHash('sha256');
    let bytes = 0;
    async function* hashed() {
      for await (const chunk of input.body) {
        digest.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    }
    // Read once the body is: the commit hook asks for it after the last part is stored.
    const request = () => ({ name, bytes, sha256: digest.copy().digest('hex') });
    const keyed = idempotentAtCommit(ctx.deps, actor, ctx.idempotencyKey, 'migrations.uploadFile', request);
    const file = await storeMigrationFile(ctx.deps, keyed, {
      name,
      body: hashed(),
      ...(input.maxBytes !== undefined ? { maxBytes: input.maxBytes } : {}),
    });
    return { file, replayed: false };
  } catch (error) {
    if (error instanceof IdempotentReplay) {
      ctx.setResponseHeader(replayedHeader, 'true');
      return { file: migrationFileDto.parse(error.output), replayed: true };
    }
    await auditFailure(ctx, actor, 'migrations.uploadFile', error);
    throw error;
  }
}

/**
 * A job's report or id map (scope `imports`), as text chunks to send in order. The job is
 * looked up first, so an unknown id is a 404 before anything is sent.
 */
export async function openMigrationArtifact(
  ctx: Context,
  input: { id: unknown; artifact: Artifact; format: ArtifactFormat },
): Promise<{ job: MigrationJobDto; chunks: AsyncGenerator<string> }> {
  const actor = await authorize(ctx, 'migrations.download');
  const { id } = parseInput(migrationJobIdInput, { id: input.id });
  const formats: readonly string[] = artifactFormats[input.artifact];
  if (!formats.includes(input.format)) {
    throw DomainError.field('format', `must be one of ${formats.join(', ')}`);
  }
  const job = await getMigrationJobDto(ctx.deps, actor, { id });
  return { job, chunks: renderArtifact(ctx.deps, actor, id, input.artifact, input.format) };
}
