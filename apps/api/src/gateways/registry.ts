import { DomainError, type PaymentGateway, StripeGateway, TestGateway, type Vault } from '@cardbridge/core';
import type { GatewayAccountRow } from '@cardbridge/db';

export interface GatewayRegistryOptions {
  stripeTimeoutMs: number;
  stripeMaxRetries?: number;
  /** Test hook: how Stripe adapters wait between retries. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Builds the PaymentGateway for a gateway account. Test gateways are in-process and
 * stateful, one instance per account for the life of the process; Stripe adapters are
 * cached per account and key version, their secret decrypted from the vault once.
 */
export class GatewayRegistry {
  readonly #testGateways = new Map<number, TestGateway>();
  readonly #stripe = new Map<string, StripeGateway>();

  constructor(
    private readonly vault: Vault,
    private readonly options: GatewayRegistryOptions,
  ) {}

  /** `evenIfDisabled`: recovery still undoes what an account did before it was disabled. */
  async forAccount(
    account: GatewayAccountRow,
    opts: { evenIfDisabled?: boolean } = {},
  ): Promise<PaymentGateway> {
    if (account.status !== 'active' && !opts.evenIfDisabled) {
      throw new DomainError('VALIDATION_FAILED', `Gateway account ${account.id} is disabled.`, {
        issues: [{ path: 'gatewayAccountId', message: 'gateway account is disabled' }],
      });
    }
    if (account.type === 'test') return this.testGateway(account.id);
    const cacheKey = `${account.id}:${account.secretKeyVersion}`;
    const cached = this.#stripe.get(cacheKey);
    if (cached) return cached;
    if (!account.secretCiphertext || account.secretKeyVersion === null) {
      throw new DomainError('INTERNAL', `Gateway account ${account.id} has no secret key.`);
    }
    const secretKey = await this.vault.openGatewaySecret(account.tenantId, account.id, {
      ciphertext: account.secretCiphertext,
      keyVersion: account.secretKeyVersion,
    });
    const gateway = new StripeGateway({
      secretKey,
      connectedAccountId: account.connectedAccountId ?? undefined,
      apiBase: account.apiBase ?? undefined,
      timeoutMs: this.options.stripeTimeoutMs,
      maxRetries: this.options.stripeMaxRetries ?? 2,
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
    });
    this.#stripe.set(cacheKey, gateway);
    return gateway;
  }

  /** The in-process test gateway of an account (tests reach it to inject faults). */
  testGateway(accountId: number): TestGateway {
    let gw = this.#testGateways.get(accountId);
    if (!gw) {
      gw = new TestGateway();
      this.#testGateways.set(accountId, gw);
    }
    return gw;
  }
}
