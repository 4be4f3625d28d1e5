import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { DomainError, type DomainErrorCode, type MasterKey, scrubCardNumbers } from '@cardbridge/core';
import type { StoredIdempotentResponse } from '@cardbridge/db';
import { errorCodeTable } from './error-codes.js';

/*
 * What an Idempotency-Key record holds, and nothing in clear that could hurt: the key and the
 * request are HMACs (either may carry a card number: createCard's input does), and a stored
 * output is sealed (AES-256-GCM), because some outputs carry a secret shown only once (a new
 * API key). Both keys are derived from the master key. Errors are kept readable: their
 * messages are safe by rule, and scrubbed of card numbers once more before they are stored.
 */

export const idempotencyHeader = 'Idempotency-Key';

interface RecordKeys {
  hmac: Buffer;
  seal: Buffer;
}
const derived = new WeakMap<MasterKey, RecordKeys>();
function keysOf(masterKey: MasterKey): RecordKeys {
  let keys = derived.get(masterKey);
  if (!keys) {
    keys = { hmac: masterKey.derive('idempotency'), seal: masterKey.derive('idempotency-response') };
    derived.set(masterKey, keys);
  }
  return keys;
}

/**
 * JSON with sorted keys, so the same request hashes the same however its keys are ordered.
 * Only plain data is accepted: an object with its own serialisation (a card number secret
 * refuses one) has no stable, safe form.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const proto = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    throw DomainError.field(idempotencyHeader, 'an idempotent request needs a plain JSON input');
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function hmac(masterKey: MasterKey, label: string, data: string): string {
  return createHmac('sha256', keysOf(masterKey).hmac)
    .update(label)
    .update('\0')
    .update(data)
    .digest('base64url');
}

/** What the table holds for the client's key. */
export const storedKey = (masterKey: MasterKey, key: string) => hmac(masterKey, 'key', key);

/** The request fingerprint: procedure and raw input, never stored or logged in clear. */
export const requestHash = (masterKey: MasterKey, procedure: string, rawInput: unknown) =>
  hmac(masterKey, 'request', canonicalJson({ procedure, input: rawInput }));

/** Sealed output, bound to its record (tenant and key) so it opens nowhere else. */
export function sealedOutput(
  masterKey: MasterKey,
  record: { tenantId: number; key: string },
  output: unknown,
): StoredIdempotentResponse {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keysOf(masterKey).seal, iv);
  cipher.setAAD(Buffer.from(`${record.tenantId}:${record.key}`));
  // What an HTTP client receives: JSON (undefined becomes null, as tRPC sends it).
  const plain = JSON.stringify(output === undefined ? null : output);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return { outcome: 'ok', sealed: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') };
}

export function openOutput(
  masterKey: MasterKey,
  record: { tenantId: number; key: string },
  sealed: string,
): unknown {
  const bytes = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', keysOf(masterKey).seal, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(`${record.tenantId}:${record.key}`));
  decipher.setAuthTag(bytes.subarray(12, 28));
  const plain = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  return JSON.parse(plain);
}

function scrubStrings(value: unknown): unknown {
  if (typeof value === 'string') return scrubCardNumbers(value);
  if (Array.isArray(value)) return value.map(scrubStrings);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubStrings(v)]));
  }
  return value;
}

export function storedError(err: DomainError): StoredIdempotentResponse {
  return {
    outcome: 'error',
    code: err.code,
    message: scrubCardNumbers(err.message),
    details: scrubStrings(JSON.parse(JSON.stringify(err.details))) as Record<string, unknown>,
  };
}

/** The stored error as the same DomainError (a code since retired becomes an internal error). */
export function replayedError(stored: Extract<StoredIdempotentResponse, { outcome: 'error' }>): DomainError {
  const code = (Object.hasOwn(errorCodeTable, stored.code) ? stored.code : 'INTERNAL') as DomainErrorCode;
  return new DomainError(code, stored.message, stored.details);
}
