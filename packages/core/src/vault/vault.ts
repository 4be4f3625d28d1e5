import { randomBytes } from 'node:crypto';
import { Pan } from '../card/index.js';
import { DomainError } from '../errors.js';
import { open, seal } from './aead.js';
import type { MasterKey } from './master-key.js';

/** Where wrapped per-tenant data keys live (the db implements it). */
export interface DataKeyStore {
  /** The newest key version of a tenant, if any. */
  latest(tenantId: number): Promise<{ version: number; wrappedKey: string } | undefined>;
  get(tenantId: number, version: number): Promise<{ version: number; wrappedKey: string } | undefined>;
  /** Inserts a version; returns false when that version already exists (a concurrent writer won). */
  insert(tenantId: number, version: number, wrappedKey: string): Promise<boolean>;
}

export interface Sealed {
  ciphertext: string;
  keyVersion: number;
}

const dekAad = (tenantId: number, version: number) =>
  `cardbridge/dek/v1/tenant=${tenantId}/version=${version}`;

/** Associated data for each kind of secret we seal: it names the exact row it belongs to. */
export const aad = {
  pan: (tenantId: number, paymentMethodId: number, keyVersion: number) =>
    `cardbridge/pan/v1/tenant=${tenantId}/payment-method=${paymentMethodId}/key=${keyVersion}`,
  gatewaySecret: (tenantId: number, gatewayAccountId: number, keyVersion: number) =>
    `cardbridge/gateway-secret/v1/tenant=${tenantId}/gateway-account=${gatewayAccountId}/key=${keyVersion}`,
  blob: (tenantId: number, purpose: string, keyVersion: number) =>
    `cardbridge/blob/v1/tenant=${tenantId}/${purpose}/key=${keyVersion}`,
};

/**
 * Envelope encryption: a random data key per tenant (and per version), wrapped by the master
 * key; secrets sealed with AES-256-GCM under the data key, bound to their row by AAD.
 * Only this module and the gateway adapters reveal card numbers.
 */
export class Vault {
  constructor(
    private readonly master: MasterKey,
    private readonly store: DataKeyStore,
  ) {}

  private unwrap(tenantId: number, version: number, wrappedKey: string): Buffer {
    return open(this.master.bytes(), wrappedKey, dekAad(tenantId, version));
  }

  /** The tenant's current data key, created on first use. */
  async currentKey(tenantId: number): Promise<{ version: number; key: Buffer }> {
    const latest = await this.store.latest(tenantId);
    if (latest)
      return { version: latest.version, key: this.unwrap(tenantId, latest.version, latest.wrappedKey) };
    return this.rotateKey(tenantId);
  }

  /** Creates the next data key version; rows still on older versions decrypt until re-sealed. */
  async rotateKey(tenantId: number): Promise<{ version: number; key: Buffer }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const version = ((await this.store.latest(tenantId))?.version ?? 0) + 1;
      const key = randomBytes(32);
      if (
        await this.store.insert(tenantId, version, seal(this.master.bytes(), key, dekAad(tenantId, version)))
      ) {
        return { version, key };
      }
    }
    throw new DomainError('CONFLICT', 'could not create a data key version (concurrent rotation)');
  }

  private async keyFor(tenantId: number, version: number): Promise<Buffer> {
    const row = await this.store.get(tenantId, version);
    if (!row) throw new DomainError('INTERNAL', `data key version ${version} missing for tenant ${tenantId}`);
    return this.unwrap(tenantId, version, row.wrappedKey);
  }

  async sealPan(tenantId: number, paymentMethodId: number, pan: Pan): Promise<Sealed> {
    const { version, key } = await this.currentKey(tenantId);
    const ciphertext = seal(
      key,
      Buffer.from(pan.reveal(), 'utf8'),
      aad.pan(tenantId, paymentMethodId, version),
    );
    return { ciphertext, keyVersion: version };
  }

  async openPan(tenantId: number, paymentMethodId: number, sealed: Sealed): Promise<Pan> {
    const key = await this.keyFor(tenantId, sealed.keyVersion);
    const digits = open(key, sealed.ciphertext, aad.pan(tenantId, paymentMethodId, sealed.keyVersion));
    return Pan.parse(digits.toString('utf8'));
  }

  async sealGatewaySecret(tenantId: number, gatewayAccountId: number, secret: string): Promise<Sealed> {
    const { version, key } = await this.currentKey(tenantId);
    const ciphertext = seal(
      key,
      Buffer.from(secret, 'utf8'),
      aad.gatewaySecret(tenantId, gatewayAccountId, version),
    );
    return { ciphertext, keyVersion: version };
  }

  async openGatewaySecret(tenantId: number, gatewayAccountId: number, sealed: Sealed): Promise<string> {
    const key = await this.keyFor(tenantId, sealed.keyVersion);
    return open(
      key,
      sealed.ciphertext,
      aad.gatewaySecret(tenantId, gatewayAccountId, sealed.keyVersion),
    ).toString('utf8');
  }

  /**
   * Data that may hold card numbers on its way into the vault (a migration file's part, a job's
   * staged rows): sealed under the tenant's data key, bound by `purpose` to where it is kept
   * (e.g. `migration-file=7/part=3`), so it cannot be read anywhere else.
   */
  async sealBlob(tenantId: number, purpose: string, bytes: Uint8Array): Promise<Sealed> {
    const { version, key } = await this.currentKey(tenantId);
    return { ciphertext: seal(key, bytes, aad.blob(tenantId, purpose, version)), keyVersion: version };
  }

  async openBlob(tenantId: number, purpose: string, sealed: Sealed): Promise<Buffer> {
    const key = await this.keyFor(tenantId, sealed.keyVersion);
    return open(key, sealed.ciphertext, aad.blob(tenantId, purpose, sealed.keyVersion));
  }

  /** Re-seals a card number under the tenant's current data key (key rotation). */
  async resealPan(tenantId: number, paymentMethodId: number, sealed: Sealed): Promise<Sealed> {
    const pan = await this.openPan(tenantId, paymentMethodId, sealed);
    return this.sealPan(tenantId, paymentMethodId, pan);
  }

  async resealGatewaySecret(tenantId: number, gatewayAccountId: number, sealed: Sealed): Promise<Sealed> {
    const secret = await this.openGatewaySecret(tenantId, gatewayAccountId, sealed);
    return this.sealGatewaySecret(tenantId, gatewayAccountId, secret);
  }
}
