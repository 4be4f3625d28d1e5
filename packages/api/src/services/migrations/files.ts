import { DomainError, type MigrationFileDto } from '@cardbridge/core';
import {
  completeMigrationFile,
  deleteIncompleteMigrationFiles,
  deleteMigrationFile,
  getMigrationFile,
  getMigrationFilePart,
  insertMigrationFile,
  insertMigrationFilePart,
  type MigrationFileRow,
} from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { recordChange } from '../audit.js';

export type { MigrationFileDto };

/*
 * Source files of migration jobs (Stripe card exports, mapping files), kept in the database in
 * parts of 1 MiB so every worker on every machine reads the same file and nothing is written to
 * a disk. An OpenPGP file is kept as it came (ciphertext; the private key is the operator's, not
 * ours to store); a clear file — which may hold card numbers — has every part sealed by the
 * tenant's vault key, bound to its file and part.
 */

export const PART_BYTES = 1024 * 1024;
/** The default bound of one upload. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024;

const toFileDto = (f: MigrationFileRow): MigrationFileDto => ({
  id: f.id,
  name: f.name,
  bytes: f.bytes,
  encrypted: f.storage === 'pgp',
  createdDate: f.createdAt.toISOString(),
});

const partPurpose = (fileId: number, partNo: number) => `migration-file=${fileId}/part=${partNo}`;

/** A binary OpenPGP message starts with a packet tag (bit 7 set); an armored one with its header. */
export function looksLikePgp(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  if ((head[0]! & 0x80) !== 0) return true;
  return Buffer.from(head.subarray(0, 64))
    .toString('latin1')
    .trimStart()
    .startsWith('-----BEGIN PGP MESSAGE-----');
}

/** Cuts a byte stream into parts of exactly PART_BYTES (the last one shorter). */
async function* partsOf(body: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    pending.push(Buffer.from(chunk));
    size += chunk.length;
    while (size >= PART_BYTES) {
      const all = Buffer.concat(pending);
      yield all.subarray(0, PART_BYTES);
      pending = [all.subarray(PART_BYTES)];
      size = pending[0]!.length;
    }
  }
  if (size > 0) yield Buffer.concat(pending);
}

/**
 * Stores an uploaded file part by part; the file is usable once complete. An upload that fails
 * (over `maxBytes`, a client gone, a database error) takes what it stored with it; one a crash
 * cut short is left incomplete — no job can use it — until a worker's start sweeps it away
 * (`sweepIncompleteUploads`).
 */
export async function storeMigrationFile(
  deps: AppDeps,
  actor: Actor,
  input: { name: string; body: AsyncIterable<Uint8Array>; maxBytes?: number },
): Promise<MigrationFileDto> {
  const maxBytes = input.maxBytes ?? MAX_FILE_BYTES;
  const { tenantId } = actor;
  let file: MigrationFileRow | undefined;
  try {
    return await storeParts(deps, actor, input.name, input.body, maxBytes, (row) => {
      file = row;
    });
  } catch (error) {
    if (file) await deleteMigrationFile(deps.db, tenantId, file.id).catch(() => {});
    throw error;
  }
}

async function storeParts(
  deps: AppDeps,
  actor: Actor,
  name: string,
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  started: (file: MigrationFileRow) => void,
): Promise<MigrationFileDto> {
  const { tenantId } = actor;
  let file: MigrationFileRow | undefined;
  let partNo = 0;
  let total = 0;
  for await (const part of partsOf(body)) {
    total += part.length;
    if (total > maxBytes) throw DomainError.field('file', `the file is larger than ${maxBytes} bytes`);
    if (!file) {
      file = await insertMigrationFile(deps.db, tenantId, {
        name,
        storage: looksLikePgp(part) ? 'pgp' : 'sealed',
      });
      started(file);
    }
    const stored =
      file.storage === 'pgp'
        ? { data: part.toString('base64'), keyVersion: null }
        : await deps.vault.sealBlob(tenantId, partPurpose(file.id, partNo), part).then((s) => ({
            data: s.ciphertext,
            keyVersion: s.keyVersion,
          }));
    await insertMigrationFilePart(deps.db, tenantId, {
      fileId: file.id,
      partNo,
      bytes: part.length,
      ...stored,
    });
    partNo += 1;
  }
  if (!file) throw DomainError.field('file', 'the file is empty');
  const fileId = file.id;
  const complete = await deps.db.transaction(async (tx) => {
    const row = await completeMigrationFile(tx, tenantId, fileId);
    const event = { action: 'migrations.uploadFile', targetType: 'migrationFiles', targetId: row.id };
    return recordChange(tx, actor, event, toFileDto(row));
  });
  return complete;
}

/** How old an incomplete upload must be before a worker's start deletes it: no upload lasts a day. */
export const INCOMPLETE_UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;

/** Deletes uploads a crash left incomplete (older than the TTL); returns how many. */
export function sweepIncompleteUploads(deps: AppDeps, ttlMs = INCOMPLETE_UPLOAD_TTL_MS): Promise<number> {
  return deleteIncompleteMigrationFiles(deps.db, new Date(deps.clock().getTime() - ttlMs));
}

export async function requireMigrationFile(
  deps: AppDeps,
  tenantId: number,
  fileId: number,
): Promise<MigrationFileRow> {
  const file = await getMigrationFile(deps.db, tenantId, fileId);
  if (!file?.complete) throw DomainError.field('source.fileId', `no uploaded file with id ${fileId}`);
  return file;
}

/** The file's bytes as they were uploaded (a PGP file still encrypted), one part at a time. */
export async function* readMigrationFile(
  deps: AppDeps,
  tenantId: number,
  fileId: number,
): AsyncGenerator<Buffer> {
  const file = await requireMigrationFile(deps, tenantId, fileId);
  for (let partNo = 0; ; partNo++) {
    const part = await getMigrationFilePart(deps.db, tenantId, fileId, partNo);
    if (!part) return;
    if (file.storage === 'pgp') yield Buffer.from(part.data, 'base64');
    else
      yield await deps.vault.openBlob(tenantId, partPurpose(fileId, partNo), {
        ciphertext: part.data,
        keyVersion: part.keyVersion!,
      });
  }
}
