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
import { memorySandboxStore, type SandboxStore, type SandboxTx } from './store.js';
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
  /**
   * Where the state lives (customers, cards, charges, refunds, idempotency records). Default:
   * in memory, for the life of this object. The server's sandbox kind passes the database
   * (`sandboxStore` in @cardbridge/db); then `fingerprintSecret` and `idTag` are the store's.
   */
  store?: SandboxStore;
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

/** HMAC-SHA256 of the card number under `secret` (base64url, 22 chars): never a plain hash. */
const fingerprint = (secret: Buffer, pan: Pan): string =>
  createHmac('sha256', secret).update(pan.reveal(), 'utf8').digest('base64url').slice(0, 22);

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
  readonly kind: string = 'sandbox';

  readonly #store: SandboxStore;
  #secret: Buffer | undefined;
  readonly #now: () => Date;
  readonly #idTag: string;
  #tokenCounter = 0;
  /** Tokens are a test hook (`createToken`): they live in this process only. */
  readonly #tokens = new Map<string, { source: TokenSource; used: boolean }>();
  #faults: PendingFault[] = [];
  readonly #calls: TestGatewayCall[] = [];

  constructor(options: TestGatewayOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    const idTag = options.idTag ?? randomIdTag();
    if (!/^[0-9a-z]{1,16}$/.test(idTag)) throw new RangeError('TestGateway: idTag must be 1-16 of [0-9a-z]');
    this.#idTag = idTag;
    if (options.store) {
      this.#store = options.store;
    } else {
      this.#secret = options.fingerprintSecret ?? randomBytes(32);
      this.#store = memorySandboxStore({ idTag, fingerprintSecret: this.#secret });
    }
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

  /** Every call made through this object so far (operation and idempotency key), oldest first. */
  get calls(): readonly TestGatewayCall[] {
    return this.#calls.map((c) => ({ ...c }));
  }

  /** Charges made so far, oldest first. */
  async listCharges(): Promise<TestCharge[]> {
    return this.#store.atomically((tx) => tx.list<TestCharge>('charges'));
  }

  /** Refunds made so far, oldest first. */
  async listRefunds(): Promise<RefundResult[]> {
    return this.#store.atomically((tx) => tx.list<RefundResult>('refunds'));
  }

  /** Number of cards currently on file for a customer (0 for an unknown customer). */
  async cardCount(externalCustomerId: string): Promise<number> {
    return this.#store.atomically(async (tx) => (await tx.list('cards', externalCustomerId)).length);
  }

  /**
   * Tokenize a card number like Stripe.js would (`ttok_<tag>_N`, usable once, in this process).
   * The number is not kept: only brand, last 4, fingerprint and the table behaviour.
   */
  async createToken(input: {
    pan: Pan;
    expMonth: number;
    expYear: number;
    name?: string | null;
    address?: Partial<GatewayAddress>;
  }): Promise<string> {
    const secret = await this.#fingerprintSecret();
    const source = this.#tokenSource(
      secret,
      input.pan,
      input.expMonth,
      input.expYear,
      input.name,
      input.address,
    );
    const id = `ttok_${this.#idTag}_${++this.#tokenCounter}`;
    this.#tokens.set(id, { source, used: false });
    return id;
  }

  /** HMAC-SHA256 of the card number under this gateway's secret (base64url, 22 chars). */
  async fingerprintOf(pan: Pan): Promise<string> {
    return fingerprint(await this.#fingerprintSecret(), pan);
  }

  // ---------------------------------------------------------------- the port

  async createCustomer(input: CreateCustomerInput): Promise<{ externalCustomerId: string }> {
    return this.#run(
      'createCustomer',
      input.idempotencyKey,
      { email: input.email, name: input.name, metadata: input.metadata },
      async (tx) => {
        checkMetadata(input.metadata);
        const id = await tx.nextId('tcus');
        const customer: StoredCustomer = {
          id,
          email: input.email ?? null,
          name: input.name ?? null,
          metadata: cleanMetadata(input.metadata),
        };
        await tx.put('customers', id, customer);
        return { externalCustomerId: id };
      },
    );
  }

  async retrieveCard(ref: CardRef): Promise<GatewayCard> {
    return this.#run('retrieveCard', undefined, null, async (tx) => (await this.#ownedCard(tx, ref)).card);
  }

  async listCards(input: ListCardsInput): Promise<{ data: GatewayCard[]; hasMore: boolean }> {
    return this.#run('listCards', undefined, null, (tx) => this.#list(tx, input));
  }

  async createCardFromToken(input: CreateCardFromTokenInput): Promise<GatewayCard> {
    const params = { customer: input.externalCustomerId, token: input.token, metadata: input.metadata };
    return this.#run('createCardFromToken', input.idempotencyKey, params, async (tx, secret) => {
      const customer = await this.#customer(tx, input.externalCustomerId);
      checkMetadata(input.metadata);
      const source = this.#resolveToken(secret, input.token);
      return this.#attach(tx, customer, source, input.metadata);
    });
  }

  async createCardFromNumber(input: CreateCardFromNumberInput): Promise<GatewayCard> {
    if (!Pan.isPan(input.pan)) throw invalid('A card number (Pan) is required.', 'card[number]');
    const secret = await this.#fingerprintSecret();
    const params = {
      customer: input.externalCustomerId,
      number: fingerprint(secret, input.pan),
      cvc: input.cvv ? createHmac('sha256', secret).update(input.cvv.reveal()).digest('base64url') : null,
      expMonth: input.expMonth,
      expYear: input.expYear,
      name: input.name,
      address: input.address,
      metadata: input.metadata,
    };
    return this.#run('createCardFromNumber', input.idempotencyKey, params, async (tx) => {
      const customer = await this.#customer(tx, input.externalCustomerId);
      checkMetadata(input.metadata);
      const source = this.#tokenSource(
        secret,
        input.pan,
        input.expMonth,
        input.expYear,
        input.name,
        input.address,
      );
      return this.#attach(tx, customer, source, input.metadata);
    });
  }

  async updateCard(ref: CardRef, patch: UpdateCardPatch, idempotencyKey: string): Promise<GatewayCard> {
    return this.#run('updateCard', idempotencyKey, { ref, patch }, async (tx) => {
      const stored = await this.#ownedCard(tx, ref);
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
      await tx.put('cards', ref.externalCardId, { ...stored, card: next });
      return next;
    });
  }

  async deleteCard(ref: CardRef, idempotencyKey?: string): Promise<void> {
    await this.#run('deleteCard', idempotencyKey, { ref }, async (tx) => {
      await this.#ownedCard(tx, ref);
      await tx.delete('cards', ref.externalCardId);
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
    return this.#run('charge', input.idempotencyKey, params, async (tx) => {
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
      const customer = await this.#customer(tx, input.externalCustomerId);
      const stored =
        typeof input.externalCardId === 'string'
          ? await tx.get<StoredCard>('cards', input.externalCardId)
          : undefined;
      if (!stored || stored.card.externalCustomerId !== customer.id) {
        throw gatewayError(
          'not_found',
          `Customer ${customer.id} does not have a linked source with ID ${input.externalCardId}.`,
          { code: 'missing', statusCode: 404, param: 'source' },
        );
      }
      if (stored.behaviour.outcome !== 'success') throw declineError(stored.behaviour.decline);
      const charge: TestCharge = {
        id: await tx.nextId('tch'),
        customerId: customer.id,
        cardId: stored.card.externalCardId,
        amountMinor: input.amountMinor,
        currency: input.currency.toLowerCase(),
        description: input.description ?? null,
        metadata: cleanMetadata(input.metadata),
        refunded: false,
        amountRefunded: 0,
      };
      await tx.put('charges', charge.id, charge, customer.id);
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
    return this.#run('findCardByMetadata', undefined, null, async (tx) => {
      const customer = await this.#customer(tx, input.externalCustomerId);
      const cards = await tx.list<StoredCard>('cards', customer.id);
      return cards.find((c) => c.card.metadata[input.key] === input.value)?.card ?? null;
    });
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    const params = { charge: input.chargeId, metadata: input.metadata };
    return this.#run('refund', input.idempotencyKey, params, async (tx) => {
      checkMetadata(input.metadata);
      const charge =
        typeof input.chargeId === 'string' ? await tx.get<TestCharge>('charges', input.chargeId) : undefined;
      if (!charge) throw notFound(`No such charge: '${String(input.chargeId)}'`, 'charge');
      // Already refunded in full (e.g. by an earlier attempt under another key): done.
      const existing = await tx.get<RefundResult>('refunds', charge.id);
      if (charge.refunded && existing) return existing;
      const refund: RefundResult = {
        refundId: await tx.nextId('tre'),
        chargeId: charge.id,
        amountMinor: charge.amountMinor - charge.amountRefunded,
        status: 'succeeded',
      };
      await tx.put('charges', charge.id, { ...charge, amountRefunded: charge.amountMinor, refunded: true });
      await tx.put('refunds', charge.id, refund, charge.customerId);
      return refund;
    });
  }

  async findChargeByMetadata(input: {
    externalCustomerId: string;
    key: string;
    value: string;
  }): Promise<FoundCharge | null> {
    return this.#run('findChargeByMetadata', undefined, null, async (tx) => {
      const customer = await this.#customer(tx, input.externalCustomerId);
      // Newest first, like Stripe's list.
      const charges = (await tx.list<TestCharge>('charges', customer.id)).reverse();
      const charge = charges.find((c) => c.metadata[input.key] === input.value);
      if (!charge) return null;
      const found: FoundCharge = {
        chargeId: charge.id,
        amountMinor: charge.amountMinor,
        currency: charge.currency,
        status: 'succeeded',
        refunded: charge.refunded,
        metadata: charge.metadata,
      };
      return found;
    });
  }

  // ---------------------------------------------------------------- internals

  async #fingerprintSecret(): Promise<Buffer> {
    this.#secret ??= await this.#store.fingerprintSecret();
    return this.#secret;
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
   * One port call: record it, apply a pending fault, then — alone and atomically in the store —
   * replay or record the idempotent outcome (successes and declines, like Stripe). Faults stay
   * in this process; the state and the idempotency records are the store's.
   */
  async #run<T>(
    operation: TestGatewayOperation,
    idempotencyKey: string | undefined,
    params: unknown,
    effect: (tx: SandboxTx, secret: Buffer) => Promise<T>,
  ): Promise<T> {
    this.#calls.push(idempotencyKey === undefined ? { operation } : { operation, idempotencyKey });
    await Promise.resolve(); // always asynchronous, like a real gateway
    const fault = this.#takeFault(operation);
    if (fault && fault.timing === 'before') throw this.#faultError(fault);

    if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0)) {
      throw invalid('An idempotency key must be a non-empty string.', 'Idempotency-Key');
    }
    const secret = await this.#fingerprintSecret();
    const requestHash =
      idempotencyKey === undefined
        ? ''
        : createHmac('sha256', secret)
            .update(`${operation}\n${canonical(params)}`)
            .digest('base64url');
    const outcome = await this.#store.atomically(async (tx): Promise<Outcome> => {
      const record =
        idempotencyKey === undefined
          ? undefined
          : await tx.get<IdempotencyRecord>('idempotency', idempotencyKey);
      if (record) {
        if (record.operation !== operation || record.requestHash !== requestHash) {
          throw invalid(
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          );
        }
        return record.outcome;
      }
      let result: Outcome;
      try {
        result = { ok: true, value: (await effect(tx, secret)) ?? null };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        // Errors are kept as plain data: a stored DomainError would come back as an Error.
        result = { ok: false, error: { code: error.code, message: error.message, details: error.details } };
      }
      const replayable = result.ok || result.error.code === 'GATEWAY_DECLINED';
      if (idempotencyKey !== undefined && replayable) {
        const stored: IdempotencyRecord = { operation, requestHash, outcome: result };
        await tx.put('idempotency', idempotencyKey, stored);
      }
      return result;
    });

    if (fault) throw this.#faultError(fault); // 'after': the effect happened, the answer is lost
    if (!outcome.ok) {
      const e = outcome.error;
      throw new DomainError(e.code, e.message, clone(e.details));
    }
    return clone(outcome.value) as T;
  }

  async #customer(tx: SandboxTx, id: string): Promise<StoredCustomer> {
    const customer = typeof id === 'string' ? await tx.get<StoredCustomer>('customers', id) : undefined;
    if (!customer) throw notFound(`No such customer: '${String(id)}'`, 'customer');
    return customer;
  }

  /** The card if it belongs to the customer; Stripe's wording otherwise. */
  async #ownedCard(tx: SandboxTx, ref: CardRef): Promise<StoredCard> {
    const customer = await this.#customer(tx, ref.externalCustomerId);
    const stored =
      typeof ref.externalCardId === 'string'
        ? await tx.get<StoredCard>('cards', ref.externalCardId)
        : undefined;
    if (!stored || stored.card.externalCustomerId !== customer.id) {
      throw notFound(`No such source: '${String(ref.externalCardId)}'`, 'id');
    }
    return stored;
  }

  async #list(tx: SandboxTx, input: ListCardsInput): Promise<{ data: GatewayCard[]; hasMore: boolean }> {
    const limit = input.limit ?? LIST_DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) {
      throw invalid(`Invalid limit: must be an integer from 1 to ${LIST_MAX_LIMIT}.`, 'limit');
    }
    const customer = await this.#customer(tx, input.externalCustomerId);
    const cards = (await tx.list<StoredCard>('cards', customer.id)).reverse(); // newest first, like Stripe
    let start = 0;
    if (input.startingAfter !== undefined) {
      const index = cards.findIndex((c) => c.card.externalCardId === input.startingAfter);
      if (index < 0) throw invalid(`No such source: '${input.startingAfter}'`, 'starting_after');
      start = index + 1;
    }
    return {
      data: cards.slice(start, start + limit).map((c) => c.card),
      hasMore: start + limit < cards.length,
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
    secret: Buffer,
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
      fingerprint: fingerprint(secret, pan),
      behaviour: entry?.behaviour ?? { outcome: 'success' },
      expMonth,
      expYear,
      name: name === undefined || name === null || name.trim() === '' ? null : name.trim(),
      address: mergeAddress(emptyAddress(), address),
    };
  }

  #resolveToken(secret: Buffer, token: string): TokenSource {
    if (typeof token !== 'string' || token.length === 0) throw invalid('A token is required.', 'source');
    const magic = testCardByToken(token);
    if (magic) {
      // Magic test tokens are reusable; each use is a new card (like Stripe's tok_visa).
      const year = this.#now().getUTCFullYear();
      return this.#tokenSource(secret, Pan.parse(magic.number), 12, year + 5, null, undefined);
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

  async #attach(
    tx: SandboxTx,
    customer: StoredCustomer,
    source: TokenSource,
    metadata: Record<string, string> | undefined,
  ): Promise<GatewayCard> {
    if (source.behaviour.outcome === 'declined') throw declineError(source.behaviour.decline);
    const id = await tx.nextId('tcard');
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
    const stored: StoredCard = { card, behaviour: source.behaviour };
    await tx.put('cards', id, stored, customer.id);
    return card;
  }
}

/** A fresh test gateway. */
export const createTestGateway = (options?: TestGatewayOptions): TestGateway => new TestGateway(options);
