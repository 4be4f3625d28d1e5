import { DomainError, type PaymentGateway, TestGateway, type Vault } from '@cardbridge/core';
import type { GatewayAccountRow } from '@cardbridge/db';
import { StripeGateway } from '@cardbridge/gateway-stripe';
import { type ApiBasePolicy, apiBaseRefusal, noApiBaseOverrides } from './api-base-policy.js';

export interface GatewayRegistryOptions {
  stripeTimeoutMs: number;
  /** Overall deadline of one gateway call, across its retries (default 30 s). */
  deadlineMs?: number;
  stripeMaxRetries?: number;
  /** Where a Stripe account's `apiBase` may point (default: nowhere but Stripe). */
  apiBases?: ApiBasePolicy;
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

  /** Why this server refuses `apiBase` for a gateway account, or null when it allows it. */
  apiBaseRefusal(apiBase: string): string | null {
    return apiBaseRefusal(this.options.apiBases ?? noApiBaseOverrides, apiBase);
  }

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
    // Checked at every use, not only at creation: the account may predate the rule, or the
    // allow-list may have changed since. A refused account is never called.
    if (account.apiBase !== null && this.apiBaseRefusal(account.apiBase) !== null) {
      throw new DomainError(
        'GATEWAY_UNAVAILABLE',
        `Gateway account ${account.id} points at an API base this server does not allow (see CARDBRIDGE_GATEWAY_API_BASES).`,
        { gatewayAccountId: account.id },
      );
    }
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
      ...(this.options.deadlineMs !== undefined ? { deadlineMs: this.options.deadlineMs } : {}),
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
