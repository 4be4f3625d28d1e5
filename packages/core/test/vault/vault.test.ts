import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DataKeyStore, MasterKey, open, Pan, seal, Vault } from '../../src/index.js';

function memoryStore(): DataKeyStore & { rows: Map<string, string> } {
  const rows = new Map<string, string>();
  return {
    rows,
    async latest(tenantId) {
      const versions = [...rows.keys()]
        .filter((k) => k.startsWith(`${tenantId}:`))
        .map((k) => Number(k.split(':')[1]));
      if (versions.length === 0) return undefined;
      const version = Math.max(...versions);
      return { version, wrappedKey: rows.get(`${tenantId}:${version}`)! };
    },
    async get(tenantId, version) {
      const wrappedKey = rows.get(`${tenantId}:${version}`);
      return wrappedKey ? { version, wrappedKey } : undefined;
    },
    async insert(tenantId, version, wrappedKey) {
      if (rows.has(`${tenantId}:${version}`)) return false;
      rows.set(`${tenantId}:${version}`, wrappedKey);
      return true;
    },
  };
}

const key = () => Buffer.from(MasterKey.generateBase64(), 'base64');

describe('AES-256-GCM sealing', () => {
  it('round-trips any bytes under the same associated data', () => {
    const k = key();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.string(), (bytes, aad) => {
        expect(open(k, seal(k, bytes, aad), aad).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('fails on any flipped byte', () => {
    const k = key();
    const sealed = seal(k, Buffer.from('4242424242424242'), 'row-1');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: raw.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const flipped = Buffer.from(raw);
        flipped[i] = flipped[i]! ^ x;
        expect(() => open(k, `v1.${flipped.toString('base64url')}`, 'row-1')).toThrow(/authentication/);
      }),
      { numRuns: 200 },
    );
  });

  it('fails with other associated data or another key', () => {
    const k = key();
    const sealed = seal(k, Buffer.from('secret'), 'tenant=1/row=1');
    expect(() => open(k, sealed, 'tenant=1/row=2')).toThrow();
    expect(() => open(key(), sealed, 'tenant=1/row=1')).toThrow();
  });

  it('never reuses a nonce', () => {
    const k = key();
    const nonces = new Set<string>();
    for (let i = 0; i < 5000; i++)
      nonces.add(
        Buffer.from(seal(k, Buffer.from('x'), 'a').slice(3), 'base64url')
          .subarray(0, 12)
          .toString('hex'),
      );
    expect(nonces.size).toBe(5000);
  });
});

describe('Vault (envelope encryption)', () => {
  const pan = Pan.parse('4000056655665556');

  it('seals a card number bound to its tenant, row and key version', async () => {
    const store = memoryStore();
    const vault = new Vault(MasterKey.fromBase64(MasterKey.generateBase64()), store);
    const sealed = await vault.sealPan(1, 10, pan);
    expect(sealed.ciphertext).not.toContain('5556');
    expect((await vault.openPan(1, 10, sealed)).equals(pan)).toBe(true);
    // Moved to another row or another tenant: refuses to decrypt.
    await expect(vault.openPan(1, 11, sealed)).rejects.toThrow();
    await vault.sealPan(2, 10, pan);
    await expect(vault.openPan(2, 10, sealed)).rejects.toThrow();
  });

  it('keeps one data key per tenant, wrapped by the master key (never stored in clear)', async () => {
    const store = memoryStore();
    const master = MasterKey.fromBase64(MasterKey.generateBase64());
    const vault = new Vault(master, store);
    await vault.sealPan(1, 1, pan);
    await vault.sealPan(1, 2, pan);
    await vault.sealPan(2, 3, pan);
    expect([...store.rows.keys()].sort()).toEqual(['1:1', '2:1']);
    // Another master key cannot unwrap them.
    const other = new Vault(MasterKey.fromBase64(MasterKey.generateBase64()), store);
    await expect(other.openPan(1, 1, await vault.sealPan(1, 1, pan))).rejects.toThrow();
  });

  it('rotation: new version for new seals, old rows still open, reseal moves them', async () => {
    const vault = new Vault(MasterKey.fromBase64(MasterKey.generateBase64()), memoryStore());
    const v1 = await vault.sealPan(7, 1, pan);
    expect((await vault.rotateKey(7)).version).toBe(2);
    const v2 = await vault.resealPan(7, 1, v1);
    expect(v2.keyVersion).toBe(2);
    expect((await vault.openPan(7, 1, v1)).equals(pan)).toBe(true);
    expect((await vault.openPan(7, 1, v2)).equals(pan)).toBe(true);
    // The key version is bound too: claiming another version fails.
    await expect(vault.openPan(7, 1, { ...v2, keyVersion: 1 })).rejects.toThrow();
  });

  it('refuses a master key that is not 32 bytes and never prints key material', () => {
    expect(() => MasterKey.fromBase64(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
    const m = MasterKey.fromBase64(MasterKey.generateBase64());
    expect(String(m)).toBe('MasterKey(***)');
    expect(() => JSON.stringify({ m })).toThrow();
  });
});
