import {
  DomainError,
  type GatewayCapability,
  type GatewayRuntime,
  type PaymentGateway,
  TestGateway,
  type Vault,
} from '@cardbridge/core';
import type { Db, GatewayAccountRow } from '@cardbridge/db';
import { createSandboxGateway } from '@cardbridge/gateway-sandbox';
import { type ApiBasePolicy, apiBaseRefusal, noApiBaseOverrides } from './api-base-policy.js';
import { kindOf } from './kinds.js';
import type { ApiGatewayRuntime } from './runtime.js';

export interface GatewayRegistryOptions {
  /** Where stateful kinds (the sandbox) keep their state. */
  db: Db;
  stripeTimeoutMs: number;
  /** Overall deadline of one gateway call, across its retries (default 30 s). */
  deadlineMs?: number;
  stripeMaxRetries?: number;
  /** Where an account's endpoint override (Stripe `apiBase`) may point (default: nowhere). */
  apiBases?: ApiBasePolicy;
  /** Test hook: how remote adapters wait between retries. */
  sleep?: (ms: number) => Promise<void>;
}

/** What a capability lets an account do, for refusals. */
const capabilityUse: Record<GatewayCapability, string> = {
  import: 'import cards by reference',
  token: 'create cards from tokens',
  rawCard: 'create cards from card numbers',
  charge: 'collect payments',
  refund: 'refund charges',
  exportTarget: 'receive exported cards',
  connect: 'act on a connected account (Stripe Connect)',
};

/**
 * Builds the PaymentGateway for a gateway account through its kind (`kinds.ts`): the config
 * document is validated, an endpoint override is checked against the server's allow-list,
 * the sealed credentials are opened from the vault once, and the adapter is cached per account
 * and credentials key version.
 */
export class GatewayRegistry {
  readonly #adapters = new Map<string, PaymentGateway>();

  constructor(
    private readonly vault: Vault,
    private readonly options: GatewayRegistryOptions,
  ) {}

  /** Why this server refuses `apiBase` for a gateway account, or null when it allows it. */
  apiBaseRefusal(apiBase: string): string | null {
    return apiBaseRefusal(this.options.apiBases ?? noApiBaseOverrides, apiBase);
  }

  /** What the account's kind (and config) lets it do. */
  capabilities(account: GatewayAccountRow): readonly GatewayCapability[] {
    const kind = kindOf(account);
    return kind.capabilities(this.#config(account));
  }

  /** Why the account cannot be used for `capability`, or null when it can. */
  capabilityRefusal(account: GatewayAccountRow, capability: GatewayCapability): string | null {
    if (this.capabilities(account).includes(capability)) return null;
    return `gateway account ${account.id} (${account.kind}) cannot ${capabilityUse[capability]}: its kind lacks the '${capability}' capability`;
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
    const kind = kindOf(account);
    const config = this.#config(account);
    // Checked at every use, not only at creation: the account may predate the rule, or the
    // allow-list may have changed since. A refused account is never called.
    const override = kind.endpointOverride?.(config);
    if (override && this.apiBaseRefusal(override.url) !== null) {
      throw new DomainError(
        'GATEWAY_UNAVAILABLE',
        `Gateway account ${account.id} points at an API base this server does not allow (see CARDBRIDGE_GATEWAY_API_BASES).`,
        { gatewayAccountId: account.id },
      );
    }
    const cacheKey = `${account.id}:${account.credentialsKeyVersion ?? ''}`;
    const cached = this.#adapters.get(cacheKey);
    if (cached) return cached;
    const credentials = kind.credentials ? await this.#openCredentials(account) : null;
    const made = kind.create(credentials, config, this.#runtime(account.tenantId, account.id));
    const gateway = made instanceof Promise ? await made : made;
    // A concurrent call may have built it meanwhile: every caller shares one adapter.
    const raced = this.#adapters.get(cacheKey);
    if (raced) return raced;
    this.#adapters.set(cacheKey, gateway);
    return gateway;
  }

  /**
   * The account's gateway for a bulk job: a fresh adapter whose every request (retries
   * included) waits for the account's shared budget and reports 429s to it, with more retries
   * than a request's (a job has time; a request has a caller waiting).
   */
  async forJob(
    account: GatewayAccountRow,
    hooks: Pick<GatewayRuntime, 'throttle' | 'onRateLimited'>,
  ): Promise<PaymentGateway> {
    const shared = await this.forAccount(account);
    const kind = kindOf(account);
    // A kind with no remote requests (the sandbox) has nothing to throttle.
    if (!kind.credentials) return shared;
    const credentials = await this.#openCredentials(account);
    const made = kind.create(credentials, this.#config(account), {
      ...this.#runtime(account.tenantId, account.id),
      maxRetries: 6,
      deadlineMs: Math.max(this.options.deadlineMs ?? 30_000, 120_000),
      ...hooks,
    });
    return made instanceof Promise ? await made : made;
  }

  /**
   * Test hook: the sandbox gateway of a sandbox account — the same instance `forAccount` hands
   * out — so tests inject faults (`failNext`) and look at calls. Its state is in the database.
   */
  testGateway(accountId: number): TestGateway {
    const key = `${accountId}:`;
    const cached = this.#adapters.get(key);
    if (cached instanceof TestGateway) return cached;
    const gateway = createSandboxGateway(this.options.db, { gatewayAccountId: accountId });
    this.#adapters.set(key, gateway);
    return gateway;
  }

  #runtime(tenantId: number, gatewayAccountId: number): ApiGatewayRuntime {
    return {
      db: this.options.db,
      tenantId,
      gatewayAccountId,
      timeoutMs: this.options.stripeTimeoutMs,
      ...(this.options.deadlineMs !== undefined ? { deadlineMs: this.options.deadlineMs } : {}),
      maxRetries: this.options.stripeMaxRetries ?? 2,
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
    };
  }

  #config(account: GatewayAccountRow): unknown {
    const parsed = kindOf(account).config.safeParse(account.config);
    if (!parsed.success) {
      throw new DomainError('INTERNAL', `Gateway account ${account.id} has an invalid config document.`, {
        gatewayAccountId: account.id,
      });
    }
    return parsed.data;
  }

  async #openCredentials(account: GatewayAccountRow): Promise<unknown> {
    const kind = kindOf(account);
    if (!account.credentialsCiphertext || account.credentialsKeyVersion === null) {
      throw new DomainError('INTERNAL', `Gateway account ${account.id} has no credentials.`);
    }
    const plaintext = await this.vault.openGatewaySecret(account.tenantId, account.id, {
      ciphertext: account.credentialsCiphertext,
      keyVersion: account.credentialsKeyVersion,
    });
    if (account.credentialsFormat === 'legacy') {
      if (!kind.legacyCredentials) {
        throw new DomainError(
          'INTERNAL',
          `Gateway account ${account.id} has credentials its kind cannot read.`,
        );
      }
      return kind.legacyCredentials(plaintext);
    }
    const parsed = kind.credentials!.safeParse(JSON.parse(plaintext));
    if (!parsed.success) {
      throw new DomainError('INTERNAL', `Gateway account ${account.id} has invalid credentials.`);
    }
    return parsed.data;
  }
}
