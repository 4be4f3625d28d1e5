import { createHmac, randomBytes } from 'node:crypto';
import { type CardType, Pan } from '../../card/index.js';
import { DomainError } from '../../errors.js';
import { type GatewayErrorKind, gatewayError } from '../errors.js';
import {
  type CardRef,
  type ChargeInput,
  type ChargeResult,
  type CreateCardFromNumberInput,
  type CreateCardFromTokenInput,
  type CreateCustomerInput,
  emptyAddress,
  type FoundCharge,
  type GatewayAddress,
  type GatewayCard,
  LIST_DEFAULT_LIMIT,
  LIST_MAX_LIMIT,
  type ListCardsInput,
  type PaymentGateway,
  type RefundInput,
  type RefundResult,
  type UpdateCardPatch,
} from '../port.js';
import { type TestCardBehaviour, type TestDecline, testCardByNumber, testCardByToken } from './test-cards.js';

/**
 * An in-process, stateful gateway for tests and local development. It behaves like
 * Stripe where the contract suite looks: customers own cards; a card of another customer
 * is "No such source"; declines happen when a card is attached (Stripe verifies on attach)
 * and on charge; idempotency keys replay the first result (also declines) and reject reuse
 * with different parameters; errors carry Stripe's codes and wording.
 *
 * Ids are a per-instance random tag and a counter: `tcus_k3v9q2xa_1`, `tcard_k3v9q2xa_1`,
 * `tch_…`, `tre_…` (refund), `ttok_…`. The tag keeps ids unique across processes: our rows outlive the in-memory
 * gateway, and after a restart a counter alone would hand out `tcard_1` again and collide with
 * the card already stored under that id. Pass `idTag` for fixed ids in tests.
 * Fingerprints are HMAC-SHA256 of the card number under a per-instance secret (never a
 * plain hash). No card number is stored: only brand, last 4, fingerprint and the test
 * behaviour of the number.
 *
 * Fault hooks: `failNext(kind, …)` makes the next call(s) fail with a gateway error of that
 * kind; for 'indeterminate' (a simulated timeout) the effect is applied first by default,
 * as it would be when a response is lost — so reconciliation can find the card.
 */

export type TestGatewayOperation =
  | 'createCustomer'
  | 'retrieveCard'
  | 'listCards'
  | 'createCardFromToken'
  | 'createCardFromNumber'
  | 'updateCard'
  | 'deleteCard'
  | 'charge'
  | 'findCardByMetadata'
  | 'refund'
  | 'findChargeByMetadata';

export interface FailNextOptions {
  /** How many calls fail (default 1). */
  count?: number;
  /**
   * 'before': the call fails and nothing changes. 'after': the effect is applied, then the
   * call fails (the response was "lost"). Default: 'after' for 'indeterminate', else 'before'.
   */
  timing?: 'before' | 'after';
  /** Only calls of these operations fail (default: any operation). */
  operations?: readonly TestGatewayOperation[];
  /** Override the error message. */
  message?: string;
}

export interface TestGatewayOptions {
  /** Secret for card fingerprints; default 32 random bytes per instance. */
  fingerprintSecret?: Buffer;
  /** Clock for expiry checks and the expiry of token cards; default `new Date()`. */
  now?: () => Date;
  /** The tag in every id (`tcard_<tag>_1`); default 8 random base-36 characters per instance. */
  idTag?: string;
}

/** 8 characters of [0-9a-z] (~41 bits): a collision between two instances is not a concern. */
function randomIdTag(): string {
  return [...randomBytes(8)].map((b) => (b % 36).toString(36)).join('');
}

export interface TestGatewayCall {
  operation: TestGatewayOperation;
  idempotencyKey?: string;
}

export interface TestCharge {
  id: string;
  customerId: string;
  cardId: string;
  amountMinor: number;
  currency: string;
  description: string | null;
  metadata: Record<string, string>;
  /** True once the whole amount has been refunded. */
  refunded: boolean;
  /** Minor units refunded so far (refunds are always in full here: 0 or `amountMinor`). */
  amountRefunded: number;
}

interface StoredCustomer {
  id: string;
  email: string | null;
  name: string | null;
  metadata: Record<string, string>;
  /** Card ids, oldest first. */
  cardIds: string[];
}

interface StoredCard {
  card: GatewayCard;
  behaviour: TestCardBehaviour;
}

interface PendingFault {
  kind: GatewayErrorKind;
  remaining: number;
  timing: 'before' | 'after';
  operations: readonly TestGatewayOperation[] | null;
  message: string | undefined;
}

type StoredError = Pick<DomainError, 'code' | 'message' | 'details'>;
type Outcome = { ok: true; value: unknown } | { ok: false; error: StoredError };

interface IdempotencyRecord {
  operation: TestGatewayOperation;
  requestHash: string;
  outcome: Outcome;
}

interface TokenSource {
  brand: CardType;
  last4: string;
  fingerprint: string;
  behaviour: TestCardBehaviour;
  expMonth: number;
  expYear: number;
  name: string | null;
  address: GatewayAddress;
}

const faultMessages: Record<GatewayErrorKind, { message: string; code?: string; statusCode?: number }> = {
  declined: { message: 'Your card was declined.', code: 'card_declined', statusCode: 402 },
  not_found: {
    message: 'No such object (simulated by the test gateway).',
    code: 'resource_missing',
    statusCode: 404,
  },
  invalid_request: { message: 'Invalid request (simulated by the test gateway).', statusCode: 400 },
  authentication: { message: 'Invalid API Key provided (simulated by the test gateway).', statusCode: 401 },
  rate_limited: {
    message: 'Too many requests hit the API too quickly (simulated by the test gateway).',
    code: 'rate_limit',
    statusCode: 429,
  },
  unavailable: {
    message: 'An unexpected error occurred in the test gateway (simulated).',
    code: 'api_error',
    statusCode: 500,
  },
  indeterminate: { message: 'Request to the test gateway timed out (simulated); the outcome is unknown.' },
};

const clone = <T>(value: T): T => structuredClone(value);

/** JSON with sorted keys, so equal parameters hash equally. */
function canonical(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

const declineError = (decline: TestDecline): DomainError =>
  gatewayError('declined', decline.message, {
    code: decline.code,
    declineCode: decline.declineCode,
    statusCode: 402,
  });

const notFound = (message: string, param?: string): DomainError =>
  gatewayError('not_found', message, {
    code: 'resource_missing',
    statusCode: 404,
    ...(param ? { param } : {}),
  });

const invalid = (message: string, param?: string, code?: string): DomainError =>
  gatewayError('invalid_request', message, {
    statusCode: 400,
    ...(code ? { code } : {}),
    ...(param ? { param } : {}),
  });

const isMetadata = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((v) => typeof v === 'string');

/** Stripe's metadata limits: 50 keys, key ≤ 40 chars, value ≤ 500 chars. */
function checkMetadata(metadata: Record<string, string> | undefined): void {
  if (metadata === undefined) return;
  if (!isMetadata(metadata)) throw invalid('Invalid metadata: values must be strings.', 'metadata');
  const keys = Object.keys(metadata);
  if (keys.length > 50) throw invalid('Invalid metadata: at most 50 keys are allowed.', 'metadata');
  for (const key of keys) {
    if (key.length === 0 || key.length > 40) {
      throw invalid('Invalid metadata: keys must be 1 to 40 characters long.', `metadata[${key}]`);
    }
    if ((metadata[key] ?? '').length > 500) {
      throw invalid('Invalid metadata: values must be at most 500 characters long.', `metadata[${key}]`);
    }
  }
}

/** Stripe metadata update semantics: keys merge; an empty string removes the key. */
function mergeMetadata(
  current: Record<string, string>,
  patch: Record<string, string>,
): Record<string, string> {
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === '') delete next[key];
    else next[key] = value;
  }
  return next;
}

const cleanMetadata = (metadata: Record<string, string> | undefined): Record<string, string> =>
  mergeMetadata({}, metadata ?? {});

function mergeAddress(current: GatewayAddress, patch: Partial<GatewayAddress> | undefined): GatewayAddress {
  const next = { ...current };
  if (!patch) return next;
  for (const key of Object.keys(next) as (keyof GatewayAddress)[]) {
    if (!(key in patch)) continue;
    const value = patch[key];
    if (value === undefined) continue;
    const trimmed = value === null ? null : value.trim();
    next[key] =
      trimmed === null || trimmed === '' ? null : key === 'country' ? trimmed.toUpperCase() : trimmed;
  }
  return next;
}

export class TestGateway implements PaymentGateway {
  readonly kind = 'test' as const;

  readonly #secret: Buffer;
  readonly #now: () => Date;
  readonly #idTag: string;
  readonly #counters = new Map<string, number>();
  readonly #customers = new Map<string, StoredCustomer>();
  readonly #cards = new Map<string, StoredCard>();
  readonly #charges = new Map<string, TestCharge>();
  /** Refunds by charge id (at most one per charge: refunds are in full). */
  readonly #refunds = new Map<string, RefundResult>();
  readonly #tokens = new Map<string, { source: TokenSource; used: boolean }>();
  readonly #idempotency = new Map<string, IdempotencyRecord>();
  #faults: PendingFault[] = [];
  readonly #calls: TestGatewayCall[] = [];

  constructor(options: TestGatewayOptions = {}) {
    this.#secret = options.fingerprintSecret ?? randomBytes(32);
    this.#now = options.now ?? (() => new Date());
    const idTag = options.idTag ?? randomIdTag();
    if (!/^[0-9a-z]{1,16}$/.test(idTag)) throw new RangeError('TestGateway: idTag must be 1-16 of [0-9a-z]');
    this.#idTag = idTag;
  }

  // ---------------------------------------------------------------- test hooks

  /**
   * Make the next call(s) fail with a gateway error of `kind`. `count` (default 1) calls
   * fail; see FailNextOptions for timing ('before'/'after' the effect) and an operation filter.
   */
  failNext(kind: GatewayErrorKind, countOrOptions: number | FailNextOptions = {}): this {
    const options = typeof countOrOptions === 'number' ? { count: countOrOptions } : countOrOptions;
    const count = options.count ?? 1;
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError('failNext: count must be a positive integer');
    this.#faults.push({
      kind,
      remaining: count,
      timing: options.timing ?? (kind === 'indeterminate' ? 'after' : 'before'),
      operations: options.operations ?? null,
      message: options.message,
    });
    return this;
  }

  /** Drop pending faults. */
  clearFaults(): this {
    this.#faults = [];
    return this;
  }

  /** Every call made so far (operation and idempotency key), oldest first. */
  get calls(): readonly TestGatewayCall[] {
    return this.#calls.map((c) => ({ ...c }));
  }

  /** Charges made so far, oldest first. */
  get charges(): readonly TestCharge[] {
    return [...this.#charges.values()].map(clone);
  }

  /** Refunds made so far, oldest first. */
  get refunds(): readonly RefundResult[] {
    return [...this.#refunds.values()].map(clone);
  }

  /** Number of cards currently on file for a customer (0 for an unknown customer). */
  cardCount(externalCustomerId: string): number {
    return this.#customers.get(externalCustomerId)?.cardIds.length ?? 0;
  }

  /**
   * Tokenize a card number like Stripe.js would (`ttok_<tag>_N`, usable once). The number is not
   * kept: only brand, last 4, fingerprint and the table behaviour.
   */
  createToken(input: {
    pan: Pan;
    expMonth: number;
    expYear: number;
    name?: string | null;
    address?: Partial<GatewayAddress>;
  }): string {
    const source = this.#tokenSource(input.pan, input.expMonth, input.expYear, input.name, input.address);
    const id = this.#nextId('ttok');
    this.#tokens.set(id, { source, used: false });
    return id;
  }

  /** HMAC-SHA256 of the card number under this instance's secret (base64url, 22 chars). */
  fingerprintOf(pan: Pan): string {
    return createHmac('sha256', this.#secret).update(pan.reveal(), 'utf8').digest('base64url').slice(0, 22);
  }

  // ---------------------------------------------------------------- the port

  async createCustomer(input: CreateCustomerInput): Promise<{ externalCustomerId: string }> {
    return this.#run(
      'createCustomer',
      input.idempotencyKey,
      { email: input.email, name: input.name, metadata: input.metadata },
      () => {
        checkMetadata(input.metadata);
        const id = this.#nextId('tcus');
        this.#customers.set(id, {
          id,
          email: input.email ?? null,
          name: input.name ?? null,
          metadata: cleanMetadata(input.metadata),
          cardIds: [],
        });
        return { externalCustomerId: id };
      },
    );
  }

  async retrieveCard(ref: CardRef): Promise<GatewayCard> {
    return this.#run('retrieveCard', undefined, null, () => clone(this.#ownedCard(ref).card));
  }

  async listCards(input: ListCardsInput): Promise<{ data: GatewayCard[]; hasMore: boolean }> {
    return this.#run('listCards', undefined, null, () => this.#list(input));
  }

  async createCardFromToken(input: CreateCardFromTokenInput): Promise<GatewayCard> {
    const params = { customer: input.externalCustomerId, token: input.token, metadata: input.metadata };
    return this.#run('createCardFromToken', input.idempotencyKey, params, () => {
      const customer = this.#customer(input.externalCustomerId);
      checkMetadata(input.metadata);
      const source = this.#resolveToken(input.token);
      return this.#attach(customer, source, input.metadata);
    });
  }

  async createCardFromNumber(input: CreateCardFromNumberInput): Promise<GatewayCard> {
    if (!Pan.isPan(input.pan)) throw invalid('A card number (Pan) is required.', 'card[number]');
    const params = {
      customer: input.externalCustomerId,
      number: this.fingerprintOf(input.pan),
      cvc: input.cvv
        ? createHmac('sha256', this.#secret).update(input.cvv.reveal()).digest('base64url')
        : null,
      expMonth: input.expMonth,
      expYear: input.expYear,
      name: input.name,
      address: input.address,
      metadata: input.metadata,
    };
    return this.#run('createCardFromNumber', input.idempotencyKey, params, () => {
      const customer = this.#customer(input.externalCustomerId);
      checkMetadata(input.metadata);
      const source = this.#tokenSource(input.pan, input.expMonth, input.expYear, input.name, input.address);
      return this.#attach(customer, source, input.metadata);
    });
  }

  async updateCard(ref: CardRef, patch: UpdateCardPatch, idempotencyKey: string): Promise<GatewayCard> {
    return this.#run('updateCard', idempotencyKey, { ref, patch }, () => {
      const stored = this.#ownedCard(ref);
      checkMetadata(patch.metadata);
      const expMonth = patch.expMonth ?? stored.card.expMonth;
      const expYear = patch.expYear ?? stored.card.expYear;
      this.#checkExpiry(expMonth, expYear);
      const next: GatewayCard = {
        ...stored.card,
        expMonth,
        expYear,
        name:
          patch.name === undefined
            ? stored.card.name
            : patch.name === null || patch.name === ''
              ? null
              : patch.name,
        address: mergeAddress(stored.card.address, patch.address),
        metadata: patch.metadata ? mergeMetadata(stored.card.metadata, patch.metadata) : stored.card.metadata,
      };
      stored.card = next;
      return clone(next);
    });
  }

  async deleteCard(ref: CardRef, idempotencyKey?: string): Promise<void> {
    await this.#run('deleteCard', idempotencyKey, { ref }, () => {
      this.#ownedCard(ref);
      this.#cards.delete(ref.externalCardId);
      const customer = this.#customers.get(ref.externalCustomerId);
      if (customer) customer.cardIds = customer.cardIds.filter((id) => id !== ref.externalCardId);
      return null;
    });
  }

  async charge(input: ChargeInput): Promise<ChargeResult> {
    const params = {
      customer: input.externalCustomerId,
      card: input.externalCardId,
      amount: input.amountMinor,
      currency: input.currency,
      description: input.description,
      metadata: input.metadata,
    };
    return this.#run('charge', input.idempotencyKey, params, () => {
      if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor < 1) {
        throw invalid(
          'This value must be greater than or equal to 1.',
          'amount',
          'parameter_invalid_integer',
        );
      }
      if (typeof input.currency !== 'string' || !/^[A-Za-z]{3}$/.test(input.currency)) {
        throw invalid(
          `Invalid currency: ${String(input.currency).slice(0, 10)}.`,
          'currency',
          'invalid_currency',
        );
      }
      checkMetadata(input.metadata);
      const customer = this.#customer(input.externalCustomerId);
      const stored = this.#cards.get(input.externalCardId);
      if (!stored || stored.card.externalCustomerId !== customer.id) {
        throw gatewayError(
          'not_found',
          `Customer ${customer.id} does not have a linked source with ID ${input.externalCardId}.`,
          { code: 'missing', statusCode: 404, param: 'source' },
        );
      }
      if (stored.behaviour.outcome !== 'success') throw declineError(stored.behaviour.decline);
      const charge: TestCharge = {
        id: this.#nextId('tch'),
        customerId: customer.id,
        cardId: stored.card.externalCardId,
        amountMinor: input.amountMinor,
        currency: input.currency.toLowerCase(),
        description: input.description ?? null,
        metadata: cleanMetadata(input.metadata),
        refunded: false,
        amountRefunded: 0,
      };
      this.#charges.set(charge.id, charge);
      return {
        chargeId: charge.id,
        amountMinor: charge.amountMinor,
        currency: charge.currency,
        status: 'succeeded' as const,
      };
    });
  }

  async findCardByMetadata(input: {
    externalCustomerId: string;
    key: string;
    value: string;
  }): Promise<GatewayCard | null> {
    return this.#run('findCardByMetadata', undefined, null, () => {
      const customer = this.#customer(input.externalCustomerId);
      for (const id of customer.cardIds) {
        const card = this.#cards.get(id)?.card;
        if (card && card.metadata[input.key] === input.value) return clone(card);
      }
      return null;
    });
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    const params = { charge: input.chargeId, metadata: input.metadata };
    return this.#run('refund', input.idempotencyKey, params, () => {
      checkMetadata(input.metadata);
      const charge = typeof input.chargeId === 'string' ? this.#charges.get(input.chargeId) : undefined;
      if (!charge) throw notFound(`No such charge: '${String(input.chargeId)}'`, 'charge');
      // Already refunded in full (e.g. by an earlier attempt under another key): done.
      const existing = this.#refunds.get(charge.id);
      if (charge.refunded && existing) return clone(existing);
      const refund: RefundResult = {
        refundId: this.#nextId('tre'),
        chargeId: charge.id,
        amountMinor: charge.amountMinor - charge.amountRefunded,
        status: 'succeeded',
      };
      charge.amountRefunded = charge.amountMinor;
      charge.refunded = true;
      this.#refunds.set(charge.id, refund);
      return clone(refund);
    });
  }

  async findChargeByMetadata(input: {
    externalCustomerId: string;
    key: string;
    value: string;
  }): Promise<FoundCharge | null> {
    return this.#run('findChargeByMetadata', undefined, null, () => {
      const customer = this.#customer(input.externalCustomerId);
      // Newest first, like Stripe's list.
      const charges = [...this.#charges.values()].filter((c) => c.customerId === customer.id).reverse();
      const charge = charges.find((c) => c.metadata[input.key] === input.value);
      if (!charge) return null;
      const found: FoundCharge = {
        chargeId: charge.id,
        amountMinor: charge.amountMinor,
        currency: charge.currency,
        status: 'succeeded',
        refunded: charge.refunded,
        metadata: clone(charge.metadata),
      };
      return found;
    });
  }

  // ---------------------------------------------------------------- internals

  #nextId(prefix: string): string {
    const n = (this.#counters.get(prefix) ?? 0) + 1;
    this.#counters.set(prefix, n);
    return `${prefix}_${this.#idTag}_${n}`;
  }

  #takeFault(operation: TestGatewayOperation): PendingFault | undefined {
    const fault = this.#faults.find((f) => f.operations === null || f.operations.includes(operation));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults = this.#faults.filter((f) => f !== fault);
    return fault;
  }

  #faultError(fault: PendingFault): DomainError {
    const base = faultMessages[fault.kind];
    return gatewayError(fault.kind, fault.message ?? base.message, {
      ...(base.code ? { code: base.code } : {}),
      ...(base.statusCode ? { statusCode: base.statusCode } : {}),
      ...(fault.kind === 'declined' ? { declineCode: 'generic_decline' } : {}),
    });
  }

  /**
   * One port call: record it, apply a pending fault, replay or record the idempotent
   * outcome (successes and declines, like Stripe), and hand out copies only.
   */
  async #run<T>(
    operation: TestGatewayOperation,
    idempotencyKey: string | undefined,
    params: unknown,
    effect: () => T,
  ): Promise<T> {
    this.#calls.push(idempotencyKey === undefined ? { operation } : { operation, idempotencyKey });
    await Promise.resolve(); // always asynchronous, like a real gateway
    const fault = this.#takeFault(operation);
    if (fault && fault.timing === 'before') throw this.#faultError(fault);

    if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0)) {
      throw invalid('An idempotency key must be a non-empty string.', 'Idempotency-Key');
    }
    let outcome: Outcome;
    const record = idempotencyKey === undefined ? undefined : this.#idempotency.get(idempotencyKey);
    const requestHash =
      idempotencyKey === undefined
        ? ''
        : createHmac('sha256', this.#secret)
            .update(`${operation}\n${canonical(params)}`)
            .digest('base64url');
    if (record) {
      if (record.operation !== operation || record.requestHash !== requestHash) {
        throw invalid(
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
        );
      }
      outcome = record.outcome;
    } else {
      try {
        outcome = { ok: true, value: effect() };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        outcome = { ok: false, error };
      }
      const replayable = outcome.ok || outcome.error.code === 'GATEWAY_DECLINED';
      if (idempotencyKey !== undefined && replayable) {
        // Errors are stored as plain data: structuredClone would turn a DomainError into an Error.
        const stored: Outcome = outcome.ok
          ? { ok: true, value: clone(outcome.value) }
          : {
              ok: false,
              error: {
                code: outcome.error.code,
                message: outcome.error.message,
                details: clone(outcome.error.details),
              },
            };
        this.#idempotency.set(idempotencyKey, { operation, requestHash, outcome: stored });
      }
    }

    if (fault) throw this.#faultError(fault); // 'after': the effect happened, the answer is lost
    if (!outcome.ok) {
      const e = outcome.error;
      throw new DomainError(e.code, e.message, clone(e.details));
    }
    return clone(outcome.value) as T;
  }

  #customer(id: string): StoredCustomer {
    const customer = typeof id === 'string' ? this.#customers.get(id) : undefined;
    if (!customer) throw notFound(`No such customer: '${String(id)}'`, 'customer');
    return customer;
  }

  /** The card if it belongs to the customer; Stripe's wording otherwise. */
  #ownedCard(ref: CardRef): StoredCard {
    const customer = this.#customer(ref.externalCustomerId);
    const stored = this.#cards.get(ref.externalCardId);
    if (!stored || stored.card.externalCustomerId !== customer.id) {
      throw notFound(`No such source: '${String(ref.externalCardId)}'`, 'id');
    }
    return stored;
  }

  #list(input: ListCardsInput): { data: GatewayCard[]; hasMore: boolean } {
    const limit = input.limit ?? LIST_DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) {
      throw invalid(`Invalid limit: must be an integer from 1 to ${LIST_MAX_LIMIT}.`, 'limit');
    }
    const customer = this.#customer(input.externalCustomerId);
    const ids = [...customer.cardIds].reverse(); // newest first, like Stripe
    let start = 0;
    if (input.startingAfter !== undefined) {
      const index = ids.indexOf(input.startingAfter);
      if (index < 0) throw invalid(`No such source: '${input.startingAfter}'`, 'starting_after');
      start = index + 1;
    }
    const page = ids.slice(start, start + limit);
    return {
      data: page.map((id) => clone(this.#cards.get(id)!.card)),
      hasMore: start + limit < ids.length,
    };
  }

  #checkExpiry(expMonth: number, expYear: number): void {
    if (!Number.isInteger(expMonth) || expMonth < 1 || expMonth > 12) {
      throw gatewayError('declined', "Your card's expiration month is invalid.", {
        code: 'invalid_expiry_month',
        statusCode: 402,
        param: 'exp_month',
      });
    }
    const now = this.#now();
    const year = now.getUTCFullYear();
    const month = now.getUTCMonth() + 1;
    if (
      !Number.isInteger(expYear) ||
      expYear < year ||
      expYear > year + 50 ||
      (expYear === year && expMonth < month)
    ) {
      throw gatewayError('declined', "Your card's expiration year is invalid.", {
        code: 'invalid_expiry_year',
        statusCode: 402,
        param: 'exp_year',
      });
    }
  }

  #tokenSource(
    pan: Pan,
    expMonth: number,
    expYear: number,
    name: string | null | undefined,
    address: Partial<GatewayAddress> | undefined,
  ): TokenSource {
    this.#checkExpiry(expMonth, expYear);
    const entry = testCardByNumber(pan.reveal());
    return {
      brand: pan.brand,
      last4: pan.last4,
      fingerprint: this.fingerprintOf(pan),
      behaviour: entry?.behaviour ?? { outcome: 'success' },
      expMonth,
      expYear,
      name: name === undefined || name === null || name.trim() === '' ? null : name.trim(),
      address: mergeAddress(emptyAddress(), address),
    };
  }

  #resolveToken(token: string): TokenSource {
    if (typeof token !== 'string' || token.length === 0) throw invalid('A token is required.', 'source');
    const magic = testCardByToken(token);
    if (magic) {
      // Magic test tokens are reusable; each use is a new card (like Stripe's tok_visa).
      const year = this.#now().getUTCFullYear();
      return this.#tokenSource(Pan.parse(magic.number), 12, year + 5, null, undefined);
    }
    const stored = this.#tokens.get(token);
    if (!stored) {
      if (token.startsWith('pm_')) throw notFound(`No such PaymentMethod: '${token}'`, 'payment_method');
      throw notFound(`No such token: '${token}'`, 'source');
    }
    if (stored.used)
      throw invalid(
        `You cannot use a Stripe token more than once: ${token}.`,
        'source',
        'token_already_used',
      );
    stored.used = true;
    return stored.source;
  }

  #attach(
    customer: StoredCustomer,
    source: TokenSource,
    metadata: Record<string, string> | undefined,
  ): GatewayCard {
    if (source.behaviour.outcome === 'declined') throw declineError(source.behaviour.decline);
    const id = this.#nextId('tcard');
    const card: GatewayCard = {
      externalCardId: id,
      externalCustomerId: customer.id,
      cardType: source.brand,
      last4: source.last4,
      expMonth: source.expMonth,
      expYear: source.expYear,
      name: source.name,
      address: { ...source.address },
      fingerprint: source.fingerprint,
      metadata: cleanMetadata(metadata),
    };
    this.#cards.set(id, { card, behaviour: source.behaviour });
    customer.cardIds.push(id);
    return clone(card);
  }
}

/** A fresh test gateway. */
export const createTestGateway = (options?: TestGatewayOptions): TestGateway => new TestGateway(options);
