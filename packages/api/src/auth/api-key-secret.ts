import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * An API key is `cbk_<keyId>_<secret>`: a 12-hex-char public id to look the row up by, and a
 * 256-bit random secret shown once and stored only as a SHA-256 hash (a slow KDF buys nothing
 * for a secret with this much entropy).
 */
const keyPattern = /^cbk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  keyId: string;
  secret: string;
}

export function generateApiKey(): { key: string; keyId: string; secretHash: string } {
  const keyId = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { key: `cbk_${keyId}_${secret}`, keyId, secretHash: hashSecret(secret) };
}

export function parseApiKey(raw: string): ParsedApiKey | null {
  const m = keyPattern.exec(raw);
  return m ? { keyId: m[1]!, secret: m[2]! } : null;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The key from an Authorization header. Accepted, as the seeds and Stripe-style clients send it:
 * `Basic <key>`, `Basic <key>:`, `Basic base64(<key>:)`, `Basic base64(<key>)`, `Bearer <key>`.
 */
export function apiKeyFromAuthorization(header: string | undefined): ParsedApiKey | null {
  if (!header) return null;
  const m = /^(Basic|Bearer)\s+(\S+)\s*$/i.exec(header);
  if (!m) return null;
  const credential = m[2]!;
  const direct = parseApiKey(credential.replace(/:$/, ''));
  if (direct || m[1]!.toLowerCase() === 'bearer') return direct;
  const decoded = Buffer.from(credential, 'base64').toString('utf8');
  const user = decoded.split(':')[0] ?? '';
  return parseApiKey(user);
}
