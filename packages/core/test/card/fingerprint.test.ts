import { createHash, createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deriveTenantFingerprintKey,
  fingerprintKeyInfo,
  fingerprintPan,
} from '../../src/card/fingerprint.js';
import { Pan } from '../../src/card/pan.js';
import { isDomainError } from '../../src/errors.js';
import { testCards, visaNumber } from './arbitraries.js';

const master = Buffer.from('a'.repeat(64), 'hex');
const otherMaster = Buffer.from('b'.repeat(64), 'hex');
const visa = Pan.parse(testCards.visa);

describe('fingerprint', () => {
  it('derives a 32-byte per-tenant key with HKDF-SHA256', () => {
    const k1 = deriveTenantFingerprintKey(master, 1);
    expect(k1).toHaveLength(32);
    expect(deriveTenantFingerprintKey(master, 1).equals(k1)).toBe(true);
    expect(deriveTenantFingerprintKey(master, 2).equals(k1)).toBe(false);
    expect(deriveTenantFingerprintKey(otherMaster, 1).equals(k1)).toBe(false);
    expect(fingerprintKeyInfo(42)).toBe('cardbridge:fingerprint:v1:42');
  });

  it('is deterministic per tenant, base64url, and an HMAC-SHA256 of the digits', () => {
    const key = deriveTenantFingerprintKey(master, 7);
    const fp = fingerprintPan(visa, key);
    expect(fp).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fingerprintPan(Pan.parse('4242 4242 4242 4242'), key)).toBe(fp);
    expect(fp).toBe(createHmac('sha256', key).update(testCards.visa).digest('base64url'));
    expect(fingerprintPan(visa, new Uint8Array(key))).toBe(fp);
  });

  it('differs across tenants and across master secrets', () => {
    const t1 = fingerprintPan(visa, deriveTenantFingerprintKey(master, 1));
    const t2 = fingerprintPan(visa, deriveTenantFingerprintKey(master, 2));
    const t1other = fingerprintPan(visa, deriveTenantFingerprintKey(otherMaster, 1));
    expect(new Set([t1, t2, t1other]).size).toBe(3);
  });

  it('is not a plain SHA-256 of the card number', () => {
    const fp = fingerprintPan(visa, deriveTenantFingerprintKey(master, 1));
    const sha = createHash('sha256').update(testCards.visa);
    const digest = sha.digest();
    for (const plain of [digest.toString('base64url'), digest.toString('hex'), digest.toString('base64')]) {
      expect(fp).not.toBe(plain);
    }
  });

  it('property: different cards in a tenant get different fingerprints; the same card differs across tenants', () => {
    const key1 = deriveTenantFingerprintKey(master, 1);
    const key2 = deriveTenantFingerprintKey(master, 2);
    fc.assert(
      fc.property(visaNumber, visaNumber, (a, b) => {
        fc.pre(a !== b);
        const pa = Pan.parse(a);
        const pb = Pan.parse(b);
        expect(fingerprintPan(pa, key1)).not.toBe(fingerprintPan(pb, key1));
        expect(fingerprintPan(pa, key1)).not.toBe(fingerprintPan(pa, key2));
        expect(fingerprintPan(pa, key1)).toBe(fingerprintPan(Pan.parse(a), key1));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses weak keys and bad tenant ids', () => {
    const expectInternal = (fn: () => unknown) => {
      try {
        fn();
        expect.unreachable();
      } catch (e) {
        expect(isDomainError(e) && e.code).toBe('INTERNAL');
      }
    };
    expectInternal(() => deriveTenantFingerprintKey(randomBytes(16), 1));
    expectInternal(() => deriveTenantFingerprintKey(master, 0));
    expectInternal(() => deriveTenantFingerprintKey(master, -3));
    expectInternal(() => deriveTenantFingerprintKey(master, 1.5));
    expectInternal(() => fingerprintPan(visa, Buffer.alloc(0)));
    expectInternal(() => fingerprintPan(visa, randomBytes(16)));
  });
});
