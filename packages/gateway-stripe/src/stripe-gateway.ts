import { createHash, randomUUID } from 'node:crypto';
import {
  type CardRef,
  type ChargeInput,
  type ChargeResult,
  type CreateCardFromNumberInput,
  type CreateCardFromTokenInput,
  type CreateCustomerInput,
  type FoundCharge,
  type GatewayAddress,
  type GatewayCard,
  gatewayError,
  isGatewayError,
  LIST_DEFAULT_LIMIT,
  LIST_MAX_LIMIT,
  type ListCardsInput,
  maskCardNumber,
  Pan,
  type PaymentGateway,
  type RefundInput,
  type RefundResult,
  type UpdateCardPatch,
} from '@cardbridge/core';
import Stripe from 'stripe';
import type { z } from 'zod';
import { StripeAccountListing } from './account-listing.js';
import { classifyStripeError } from './errors.js';
import { createCheckedHttpClient } from './http-client.js';
import { mapStripeCard, type StripeCardLike } from './map-card.js';
import {
  mapStripeAddress,
  mapStripePaymentMethod,
  type StripePaymentMethodLike,
} from './map-payment-method.js';
import {
  stripeAccountListShape,
  stripeAccountShape,
  stripeChargeListShape,
  stripeChargeShape,
  stripeCustomerListShape,
  stripeObjectWithIdShape,
  stripePaymentIntentShape,
  stripePaymentMethodListShape,
  stripePaymentMethodShape,
  stripeRefundListShape,
  stripeRefundShape,
  stripeSourceListShape,
  stripeSourceShape,
} from './response-shapes.js';
import {
  DeadlineExceededError,
  defaultRetryPolicy,
  type HttpMethod,
  isStripeSdkError,
  newRetryStats,
  type RetryPolicy,
  type RetryStats,
  retryAfterMs,
  statusCodeOf,
  withDeadline,
  withRetries,
} from './retry.js';

/**
 * The Stripe adapter: the official `stripe` SDK only, no hand-written HTTP.
 *
 * - Connect: with `connectedAccountId` every call carries `{ stripeAccount }` (the
 *   `Stripe-Account` header), so it sees only that account's customers and cards.
 * - Retries: the SDK runs with `maxNetworkRetries: 0`; `retry.ts` is the one policy, and
 *   `deadlineMs` bounds a whole call across its attempts (POST past it: GATEWAY_TIMEOUT,
 *   outcome unknown; GET/DELETE: GATEWAY_UNAVAILABLE).
 * - Answers: the HTTP client hands the SDK JSON objects only (`http-client.ts`), and every
 *   answer is checked against the shape the adapter reads (`response-shapes.ts`) before it is
 *   read; anything else is GATEWAY_UNAVAILABLE. Whatever answers at `apiBase` cannot crash
 *   the process or plant malformed data.
 * - Idempotency: every POST carries OUR key, derived from the caller's key per step
 *   (`${key}:customer`, `:source`, `:token`, `:attach`, `:metadata`, `:update`, `:detach`,
 *   `:charge`, `:refund`) and reused unchanged on every retry, so a retry — ours, or the caller's after
 *   an unknown outcome — never creates twice. GET/DELETE carry none (Stripe ignores it).
 * - Errors: `errors.ts` turns SDK errors into gateway DomainErrors with Stripe's message,
 *   code, decline_code and request id.
 * - Card ids: `card_…` is a customer source (Cards API), `pm_…` a PaymentMethod; any other
 *   prefix is GATEWAY_INVALID_REQUEST.
 *
 * listCards pagination (simple, documented): one combined list — the customer's sources
 * (object=card, Stripe order: newest first) followed by its PaymentMethods of type card
 * (newest first). `startingAfter` may be a `card_…` (continue within sources, then
 * PaymentMethods) or a `pm_…` (continue within PaymentMethods). A page never has more
 * than `limit` cards; `hasMore` is exact.
 */

export interface StripeGatewayOptions {
  secretKey: string;
  /** Connect: act on this connected account (`acct_…`). */
  connectedAccountId?: string;
  /** e.g. `http://127.0.0.1:12111` (emulator); default Stripe's API. */
  apiBase?: string;
  /** Per-attempt timeout (default 15 000 ms). */
  timeoutMs?: number;
  /** Overall deadline of one call, across its retries (default 30 000 ms). */
  deadlineMs?: number;
  /** Retries after the first attempt (default 2). */
  maxRetries?: number;
  /** Injectable for tests (default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable jitter source, uniform [0, 1) (default Math.random). */
  random?: () => number;
  /** Fine-tune the retry policy (delays, Retry-After cap). */
  retry?: Partial<Omit<RetryPolicy, 'sleep' | 'random' | 'maxRetries'>>;
  /** Called before every retry (logging, metrics, tests). Never receives request bodies. */
  onRetry?: (event: { operation: StripeOperation; retry: number; delayMs: number; reason: string }) => void;
  /**
   * Observe what the adapter sends and what it parsed (tests check both against Stripe's
   * OpenAPI subset; also handy for debugging). Request params are REDACTED: a card
   * `number` arrives masked ("************4242") and `cvc` as "***".
   */
  observer?: StripeGatewayObserver;
  /** Awaited before every attempt (retries included): a bulk job's shared request budget. */
  throttle?: () => Promise<void>;
  /** Told of every 429 Stripe answers, with its Retry-After, so the shared budget backs off. */
  onRateLimited?: (retryAfterMs: number | undefined) => void;
}

export type StripeOperation =
  | 'customers.create'
  | 'customers.retrieveSource'
  | 'customers.listSources'
  | 'customers.createSource'
  | 'customers.updateSource'
  | 'customers.deleteSource'
  | 'customers.listPaymentMethods'
  | 'paymentMethods.retrieve'
  | 'paymentMethods.attach'
  | 'paymentMethods.update'
  | 'paymentMethods.detach'
  | 'tokens.create'
  | 'charges.create'
  | 'paymentIntents.create'
  | 'charges.list'
  | 'refunds.create'
  | 'refunds.list'
  | 'customers.list'
  | 'accounts.list'
  | 'accounts.retrieve';

export interface StripeGatewayObserver {
  request?(event: {
    operation: StripeOperation;
    method: HttpMethod;
    params: unknown;
    idempotencyKey?: string;
  }): void;
  response?(event: { operation: StripeOperation; method: HttpMethod; object: unknown }): void;
}

interface CallSpec {
  operation: StripeOperation;
  method: HttpMethod;
  /** The params sent (for the observer only; `send` closes over its own copy). */
  params?: object;
  /** Fixed before the first attempt, so every retry sends the same key. */
  idempotencyKey?: string;
  stats?: RetryStats;
}

/** What each operation's answer must look like: the fields the adapter reads from it. */
const answerShapes: Record<StripeOperation, z.ZodType> = {
  'customers.create': stripeObjectWithIdShape,
  'customers.retrieveSource': stripeSourceShape,
  'customers.listSources': stripeSourceListShape,
  'customers.createSource': stripeSourceShape,
  'customers.updateSource': stripeSourceShape,
  'customers.deleteSource': stripeObjectWithIdShape,
  'customers.listPaymentMethods': stripePaymentMethodListShape,
  'paymentMethods.retrieve': stripePaymentMethodShape,
  'paymentMethods.attach': stripePaymentMethodShape,
  'paymentMethods.update': stripePaymentMethodShape,
  'paymentMethods.detach': stripeObjectWithIdShape,
  'tokens.create': stripeObjectWithIdShape,
  'charges.create': stripeChargeShape,
  'paymentIntents.create': stripePaymentIntentShape,
  'charges.list': stripeChargeListShape,
  'refunds.create': stripeRefundShape,
  'refunds.list': stripeRefundListShape,
  'customers.list': stripeCustomerListShape,
  'accounts.list': stripeAccountListShape,
  'accounts.retrieve': stripeAccountShape,
};

/** A deep copy of request params with any card number masked and any CVC starred. */
export function redactStripeParams(params: unknown): unknown {
  if (Array.isArray(params)) return params.map(redactStripeParams);
  if (typeof params !== 'object' || params === null) return params;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (key === 'number' && typeof value === 'string') out[key] = maskCardNumber(value);
    else if (key === 'cvc' && typeof value === 'string') out[key] = '***';
    else out[key] = redactStripeParams(value);
  }
  return out;
}

/** Stripe's limit on idempotency key length. */
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** `${key}:${step}`, shortened deterministically (SHA-256 of the key) when too long for Stripe. */
export function stepIdempotencyKey(key: string, step: string): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw gatewayError('invalid_request', 'An idempotency key is required.');
  }
  const full = `${key}:${step}`;
  if (full.length <= MAX_IDEMPOTENCY_KEY_LENGTH) return full;
  return `sha256-${createHash('sha256').update(key, 'utf8').digest('base64url')}:${step}`;
}

type CardIdKind = 'source' | 'payment_method';

function cardIdKind(id: string): CardIdKind {
  if (typeof id === 'string' && id.startsWith('card_')) return 'source';
  if (typeof id === 'string' && id.startsWith('pm_')) return 'payment_method';
  throw gatewayError(
    'invalid_request',
    `Unsupported card id '${String(id)}': expected a card_… (source) or pm_… (PaymentMethod) id.`,
    { param: 'externalCardId' },
  );
}

const malformedAnswer = (operation: StripeOperation) =>
  gatewayError('unavailable', `Stripe answered ${operation} with a malformed response.`);

const noSuchPaymentMethod = (id: string) =>
  gatewayError('not_found', `No such PaymentMethod: '${id}'`, {
    code: 'resource_missing',
    statusCode: 404,
    param: 'payment_method',
  });

/** Our null (= clear) → Stripe's empty string; undefined stays undefined (= keep). */
const toStripeText = (value: string | null | undefined): string | undefined =>
  value === undefined ? undefined : value === null ? '' : value;

function parseApiBase(apiBase: string): { host: string; port: number; protocol: 'http' | 'https' } {
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw new TypeError(`StripeGateway: apiBase is not a URL: ${apiBase}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError('StripeGateway: apiBase must be http(s)');
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const port = url.port ? Number.parseInt(url.port, 10) : protocol === 'http' ? 80 : 443;
  return { host: url.hostname, port, protocol };
}

export class StripeGateway implements PaymentGateway {
  readonly kind = 'stripe' as const;
  readonly connectedAccountId: string | undefined;

  readonly #stripe: Stripe;
  readonly #policy: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #deadlineMs: number;
  readonly #onRetry: StripeGatewayOptions['onRetry'];
  readonly #observer: StripeGatewayObserver | undefined;
  readonly #throttle: (() => Promise<void>) | undefined;
  readonly #onRateLimited: StripeGatewayOptions['onRateLimited'];
  /** Reading a whole account (bulk import), under the same retry policy and budget. */
  readonly listing: StripeAccountListing;

  constructor(options: StripeGatewayOptions) {
    if (!options || typeof options.secretKey !== 'string' || options.secretKey === '') {
      throw new TypeError('StripeGateway: secretKey is required');
    }
    const timeout = options.timeoutMs ?? 15_000;
    const maxRetries = options.maxRetries ?? 2;
    if (!Number.isInteger(maxRetries) || maxRetries < 0)
      throw new TypeError('StripeGateway: maxRetries must be ≥ 0');
    if (!Number.isInteger(timeout) || timeout <= 0)
      throw new TypeError('StripeGateway: timeoutMs must be > 0');
    const deadline = options.deadlineMs ?? 30_000;
    if (!Number.isInteger(deadline) || deadline <= 0)
      throw new TypeError('StripeGateway: deadlineMs must be > 0');
    this.#timeoutMs = timeout;
    this.#deadlineMs = deadline;
    this.connectedAccountId = options.connectedAccountId || undefined;
    this.#stripe = new Stripe(options.secretKey, {
      ...(options.apiBase ? parseApiBase(options.apiBase) : {}),
      httpClient: createCheckedHttpClient(),
      telemetry: false,
      maxNetworkRetries: 0,
      timeout,
      appInfo: { name: 'cardbridge' },
    });
    this.#policy = defaultRetryPolicy({
      ...options.retry,
      maxRetries,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
    this.#onRetry = options.onRetry;
    this.#observer = options.observer;
    this.#throttle = options.throttle;
    this.#onRateLimited = options.onRateLimited;
    this.listing = new StripeAccountListing(this.#stripe, (spec, send) => this.#call(spec, send));
  }

  /** One HTTP attempt: waits for the shared budget first, reports a 429 to it after. */
  async #attempt<T>(send: () => Promise<T>): Promise<T> {
    if (this.#throttle) await this.#throttle();
    try {
      return await send();
    } catch (error) {
      if (this.#onRateLimited && statusCodeOf(error) === 429) this.#onRateLimited(retryAfterMs(error));
      throw error;
    }
  }

  // ---------------------------------------------------------------- plumbing

  /** Request options: Connect account and (POST only) our idempotency key. */
  #options(idempotencyKey?: string): Stripe.RequestOptions {
    const options: Stripe.RequestOptions = {};
    if (this.connectedAccountId) options.stripeAccount = this.connectedAccountId;
    if (idempotencyKey !== undefined) options.idempotencyKey = idempotencyKey;
    return options;
  }

  /** One Stripe call under our retry policy; errors come out classified. */
  async #call<T>(spec: CallSpec, send: (options: Stripe.RequestOptions) => Promise<T>): Promise<T> {
    const { operation, method, idempotencyKey } = spec;
    const stats = spec.stats ?? newRetryStats();
    const options = this.#options(idempotencyKey);
    this.#observer?.request?.({
      operation,
      method,
      params: redactStripeParams(spec.params ?? {}),
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    });
    const deadlineAt = Date.now() + this.#deadlineMs;
    let result: T;
    try {
      result = await withDeadline(this.#deadlineMs, (signal) =>
        withRetries(
          // No attempt may outlive the deadline: its socket is closed when the deadline passes.
          () =>
            this.#attempt(() =>
              send({ ...options, timeout: Math.max(1, Math.min(this.#timeoutMs, deadlineAt - Date.now())) }),
            ),
          this.#policy,
          stats,
          (event) =>
            this.#onRetry?.({ operation, retry: event.retry, delayMs: event.delayMs, reason: event.reason }),
          signal,
        ),
      );
    } catch (error) {
      throw this.#failure(error, spec, stats);
    }
    if (!answerShapes[operation].safeParse(result).success) throw malformedAnswer(operation);
    this.#observer?.response?.({ operation, method, object: result });
    return result;
  }

  #failure(error: unknown, spec: CallSpec, stats: RetryStats): unknown {
    if (error instanceof DeadlineExceededError) {
      // A POST may have been applied: its outcome is unknown (reconcile, same key). A read is
      // simply unavailable.
      return gatewayError(
        spec.method === 'POST' ? 'indeterminate' : 'unavailable',
        `Stripe did not answer ${spec.operation} within ${error.deadlineMs} ms.`,
        {},
        { deadlineMs: error.deadlineMs, ...(spec.method === 'POST' ? { outcome: 'unknown' } : {}) },
      );
    }
    // Only SDK code runs in `send`: anything but a Stripe error there is the SDK tripping over
    // an answer it did not expect. A gateway fault, not a bug of ours.
    if (!isStripeSdkError(error) && !isGatewayError(error)) return malformedAnswer(spec.operation);
    return classifyStripeError(error, {
      method: spec.method,
      hadConnectionError: stats.connectionErrors > 0,
    });
  }

  async #retrieveOwnedPaymentMethod(ref: CardRef): Promise<Stripe.PaymentMethod> {
    const pm = await this.#call({ operation: 'paymentMethods.retrieve', method: 'GET' }, (o) =>
      this.#stripe.paymentMethods.retrieve(ref.externalCardId, {}, o),
    );
    const owner = typeof pm.customer === 'string' ? pm.customer : (pm.customer?.id ?? null);
    if (owner !== ref.externalCustomerId) throw noSuchPaymentMethod(ref.externalCardId);
    if (pm.type !== 'card' || !pm.card) {
      throw gatewayError('invalid_request', `PaymentMethod '${pm.id}' is not a card (type ${pm.type}).`);
    }
    return pm;
  }

  #mapSource(source: Stripe.CustomerSource | Stripe.DeletedCustomerSource, customerId: string): GatewayCard {
    if (source.object !== 'card' || 'deleted' in source) {
      throw gatewayError('invalid_request', `Source '${source.id}' is not a card (object ${source.object}).`);
    }
    return mapStripeCard(source as StripeCardLike, customerId);
  }

  // ---------------------------------------------------------------- the port

  async createCustomer(input: CreateCustomerInput): Promise<{ externalCustomerId: string }> {
    const params: Stripe.CustomerCreateParams = {};
    if (input.email) params.email = input.email;
    if (input.name) params.name = input.name;
    if (input.metadata) params.metadata = input.metadata;
    const key = stepIdempotencyKey(input.idempotencyKey, 'customer');
    const customer = await this.#call(
      { operation: 'customers.create', method: 'POST', params, idempotencyKey: key },
      (o) => this.#stripe.customers.create(params, o),
    );
    return { externalCustomerId: customer.id };
  }

  async retrieveCard(ref: CardRef): Promise<GatewayCard> {
    if (cardIdKind(ref.externalCardId) === 'payment_method') {
      return mapStripePaymentMethod((await this.#retrieveOwnedPaymentMethod(ref)) as StripePaymentMethodLike);
    }
    const source = await this.#call({ operation: 'customers.retrieveSource', method: 'GET' }, (o) =>
      this.#stripe.customers.retrieveSource(ref.externalCustomerId, ref.externalCardId, {}, o),
    );
    return this.#mapSource(source, ref.externalCustomerId);
  }

  async listCards(input: ListCardsInput): Promise<{ data: GatewayCard[]; hasMore: boolean }> {
    const limit = input.limit ?? LIST_DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) {
      throw gatewayError(
        'invalid_request',
        `Invalid limit: must be an integer from 1 to ${LIST_MAX_LIMIT}.`,
        {
          param: 'limit',
        },
      );
    }
    const customer = input.externalCustomerId;
    const after = input.startingAfter;
    const data: GatewayCard[] = [];

    if (after === undefined || cardIdKind(after) === 'source') {
      const params: Stripe.CustomerListSourcesParams = {
        object: 'card',
        limit,
        ...(after !== undefined ? { starting_after: after } : {}),
      };
      const sources = await this.#call({ operation: 'customers.listSources', method: 'GET', params }, (o) =>
        this.#stripe.customers.listSources(customer, params, o),
      );
      for (const source of sources.data) {
        if (source.object === 'card') data.push(mapStripeCard(source as StripeCardLike, customer));
      }
      if (sources.has_more) return { data, hasMore: true };
    }

    // Sources are exhausted: fill the page with PaymentMethods. When the page is already
    // full, ask for one PaymentMethod only to learn whether there are more.
    const room = limit - data.length;
    const pmAfter = after !== undefined && cardIdKind(after) === 'payment_method' ? after : undefined;
    const pmParams: Stripe.CustomerListPaymentMethodsParams = {
      type: 'card',
      limit: Math.max(room, 1),
      ...(pmAfter !== undefined ? { starting_after: pmAfter } : {}),
    };
    const pms = await this.#call(
      { operation: 'customers.listPaymentMethods', method: 'GET', params: pmParams },
      (o) => this.#stripe.customers.listPaymentMethods(customer, pmParams, o),
    );
    if (room === 0) return { data, hasMore: pms.data.length > 0 };
    for (const pm of pms.data) {
      if (pm.type === 'card' && pm.card) data.push(mapStripePaymentMethod(pm as StripePaymentMethodLike));
    }
    return { data, hasMore: pms.has_more };
  }

  async createCardFromToken(input: CreateCardFromTokenInput): Promise<GatewayCard> {
    const customer = input.externalCustomerId;
    const token = input.token;
    if (typeof token === 'string' && token.startsWith('tok_')) {
      const params: Stripe.CustomerCreateSourceParams = { source: token };
      if (input.metadata) params.metadata = input.metadata;
      const key = stepIdempotencyKey(input.idempotencyKey, 'source');
      const source = await this.#call(
        { operation: 'customers.createSource', method: 'POST', params, idempotencyKey: key },
        (o) => this.#stripe.customers.createSource(customer, params, o),
      );
      return this.#mapSource(source, customer);
    }
    if (typeof token === 'string' && token.startsWith('pm_')) {
      const attachKey = stepIdempotencyKey(input.idempotencyKey, 'attach');
      const attachParams: Stripe.PaymentMethodAttachParams = { customer };
      let pm = await this.#call(
        {
          operation: 'paymentMethods.attach',
          method: 'POST',
          params: attachParams,
          idempotencyKey: attachKey,
        },
        (o) => this.#stripe.paymentMethods.attach(token, attachParams, o),
      );
      if (input.metadata && Object.keys(input.metadata).length > 0) {
        // attach takes no metadata: a second, separately keyed step.
        const metadata = input.metadata;
        const attachedId = pm.id;
        const metadataKey = stepIdempotencyKey(input.idempotencyKey, 'metadata');
        pm = await this.#call(
          {
            operation: 'paymentMethods.update',
            method: 'POST',
            params: { metadata },
            idempotencyKey: metadataKey,
          },
          // The attached PaymentMethod's id: for Stripe's magic test ids (pm_card_visa) attach
          // returns a new PaymentMethod.
          (o) => this.#stripe.paymentMethods.update(attachedId, { metadata }, o),
        );
      }
      return mapStripePaymentMethod(pm as StripePaymentMethodLike);
    }
    throw gatewayError(
      'invalid_request',
      'Unsupported token: expected a tok_… (token) or pm_… (PaymentMethod) id.',
      {
        param: 'token',
      },
    );
  }

  async createCardFromNumber(input: CreateCardFromNumberInput): Promise<GatewayCard> {
    if (!Pan.isPan(input.pan))
      throw gatewayError('invalid_request', 'A card number is required.', { param: 'pan' });
    const customer = input.externalCustomerId;
    const address = input.address ?? {};
    // The one place (besides the vault) where the number and CVC leave their secret types:
    // straight into the request body, never into a log, an error or a stored object.
    const card: Stripe.TokenCreateParams.Card = {
      number: input.pan.reveal(),
      exp_month: String(input.expMonth),
      exp_year: String(input.expYear),
    };
    if (input.cvv) card.cvc = input.cvv.reveal();
    if (input.name) card.name = input.name;
    if (address.line1) card.address_line1 = address.line1;
    if (address.line2) card.address_line2 = address.line2;
    if (address.city) card.address_city = address.city;
    if (address.state) card.address_state = address.state;
    if (address.postalCode) card.address_zip = address.postalCode;
    if (address.country) card.address_country = address.country;

    const tokenKey = stepIdempotencyKey(input.idempotencyKey, 'token');
    const token = await this.#call(
      { operation: 'tokens.create', method: 'POST', params: { card }, idempotencyKey: tokenKey },
      (o) => this.#stripe.tokens.create({ card }, o),
    );

    const params: Stripe.CustomerCreateSourceParams = { source: token.id };
    if (input.metadata) params.metadata = input.metadata;
    const sourceKey = stepIdempotencyKey(input.idempotencyKey, 'source');
    const source = await this.#call(
      { operation: 'customers.createSource', method: 'POST', params, idempotencyKey: sourceKey },
      (o) => this.#stripe.customers.createSource(customer, params, o),
    );
    return this.#mapSource(source, customer);
  }

  async updateCard(ref: CardRef, patch: UpdateCardPatch, idempotencyKey: string): Promise<GatewayCard> {
    const key = stepIdempotencyKey(idempotencyKey, 'update');
    const address = patch.address ?? {};
    if (cardIdKind(ref.externalCardId) === 'source') {
      const params: Stripe.CustomerUpdateSourceParams = {};
      const set = <K extends keyof Stripe.CustomerUpdateSourceParams>(
        name: K,
        value: Stripe.CustomerUpdateSourceParams[K] | undefined,
      ) => {
        if (value !== undefined) params[name] = value;
      };
      set('name', toStripeText(patch.name));
      set('address_line1', toStripeText(address.line1));
      set('address_line2', toStripeText(address.line2));
      set('address_city', toStripeText(address.city));
      set('address_state', toStripeText(address.state));
      set('address_zip', toStripeText(address.postalCode));
      set('address_country', toStripeText(address.country));
      if (patch.expMonth !== undefined) params.exp_month = String(patch.expMonth);
      if (patch.expYear !== undefined) params.exp_year = String(patch.expYear);
      if (patch.metadata) params.metadata = patch.metadata;
      const source = await this.#call(
        { operation: 'customers.updateSource', method: 'POST', params, idempotencyKey: key },
        (o) => this.#stripe.customers.updateSource(ref.externalCustomerId, ref.externalCardId, params, o),
      );
      return this.#mapSource(source, ref.externalCustomerId);
    }

    // PaymentMethod: check ownership first (Stripe's update does not), and send the whole
    // merged billing address so a partial patch never wipes the other fields.
    const current = await this.#retrieveOwnedPaymentMethod(ref);
    const params: Stripe.PaymentMethodUpdateParams = {};
    const billing: Stripe.PaymentMethodUpdateParams.BillingDetails = {};
    if (patch.name !== undefined) billing.name = patch.name ?? '';
    if (patch.address && Object.keys(patch.address).length > 0) {
      const merged: GatewayAddress = { ...mapStripeAddress(current.billing_details?.address) };
      for (const field of Object.keys(merged) as (keyof GatewayAddress)[]) {
        const value = address[field];
        if (value !== undefined) merged[field] = value;
      }
      billing.address = {
        line1: merged.line1 ?? '',
        line2: merged.line2 ?? '',
        city: merged.city ?? '',
        state: merged.state ?? '',
        postal_code: merged.postalCode ?? '',
        country: merged.country ?? '',
      };
    }
    if (Object.keys(billing).length > 0) params.billing_details = billing;
    if (patch.expMonth !== undefined || patch.expYear !== undefined) {
      params.card = {
        ...(patch.expMonth !== undefined ? { exp_month: patch.expMonth } : {}),
        ...(patch.expYear !== undefined ? { exp_year: patch.expYear } : {}),
      };
    }
    if (patch.metadata) params.metadata = patch.metadata;
    const pm = await this.#call(
      { operation: 'paymentMethods.update', method: 'POST', params, idempotencyKey: key },
      (o) => this.#stripe.paymentMethods.update(ref.externalCardId, params, o),
    );
    return mapStripePaymentMethod(pm as StripePaymentMethodLike);
  }

  async deleteCard(ref: CardRef, idempotencyKey?: string): Promise<void> {
    if (cardIdKind(ref.externalCardId) === 'source') {
      const stats = newRetryStats();
      try {
        await this.#call({ operation: 'customers.deleteSource', method: 'DELETE', stats }, (o) =>
          this.#stripe.customers.deleteSource(ref.externalCustomerId, ref.externalCardId, {}, o),
        );
      } catch (error) {
        // An earlier attempt got no response and the retry says "No such source": that
        // earlier attempt deleted it. Anything else is a real failure.
        if (stats.connectionErrors > 0 && isGatewayError(error, 'not_found')) return;
        throw error;
      }
      return;
    }
    await this.#retrieveOwnedPaymentMethod(ref);
    const key = stepIdempotencyKey(idempotencyKey ?? randomUUID(), 'detach');
    await this.#call({ operation: 'paymentMethods.detach', method: 'POST', idempotencyKey: key }, (o) =>
      this.#stripe.paymentMethods.detach(ref.externalCardId, {}, o),
    );
  }

  async charge(input: ChargeInput): Promise<ChargeResult> {
    if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor < 1) {
      throw gatewayError('invalid_request', 'Amount must be a positive integer in the minor unit.', {
        param: 'amount',
      });
    }
    const currency = String(input.currency).toLowerCase();
    const key = stepIdempotencyKey(input.idempotencyKey, 'charge');
    const kind = cardIdKind(input.externalCardId);
    if (kind === 'source') {
      const params: Stripe.ChargeCreateParams = {
        amount: input.amountMinor,
        currency,
        customer: input.externalCustomerId,
        source: input.externalCardId,
      };
      if (input.description) params.description = input.description;
      if (input.metadata) params.metadata = input.metadata;
      const charge = await this.#call(
        { operation: 'charges.create', method: 'POST', params, idempotencyKey: key },
        (o) => this.#stripe.charges.create(params, o),
      );
      if (charge.status === 'succeeded') {
        return {
          chargeId: charge.id,
          amountMinor: charge.amount,
          currency: charge.currency,
          status: 'succeeded',
        };
      }
      if (charge.status === 'pending') {
        throw gatewayError(
          'indeterminate',
          `Charge ${charge.id} is pending; its outcome is not known yet.`,
          {},
          {
            chargeId: charge.id,
            outcome: 'unknown',
          },
        );
      }
      throw gatewayError('declined', charge.failure_message ?? 'Your card was declined.', {
        ...(charge.failure_code ? { code: charge.failure_code } : {}),
        ...(charge.outcome?.reason ? { declineCode: charge.outcome.reason } : {}),
      });
    }

    const params: Stripe.PaymentIntentCreateParams = {
      amount: input.amountMinor,
      currency,
      customer: input.externalCustomerId,
      payment_method: input.externalCardId,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      confirm: true,
      off_session: true,
    };
    if (input.description) params.description = input.description;
    if (input.metadata) params.metadata = input.metadata;
    const intent = await this.#call(
      { operation: 'paymentIntents.create', method: 'POST', params, idempotencyKey: key },
      (o) => this.#stripe.paymentIntents.create(params, o),
    );
    const chargeId =
      typeof intent.latest_charge === 'string'
        ? intent.latest_charge
        : (intent.latest_charge?.id ?? intent.id);
    if (intent.status === 'succeeded') {
      return { chargeId, amountMinor: intent.amount, currency: intent.currency, status: 'succeeded' };
    }
    if (intent.status === 'processing') {
      throw gatewayError(
        'indeterminate',
        `PaymentIntent ${intent.id} is processing; its outcome is not known yet.`,
        {},
        {
          paymentIntentId: intent.id,
          outcome: 'unknown',
        },
      );
    }
    const lastError = intent.last_payment_error;
    throw gatewayError(
      'declined',
      lastError?.message ??
        (intent.status === 'requires_action'
          ? 'This payment requires authentication by the cardholder.'
          : `PaymentIntent ${intent.id} did not succeed (status ${intent.status}).`),
      {
        code:
          lastError?.code ??
          (intent.status === 'requires_action' ? 'authentication_required' : intent.status),
        ...(lastError?.decline_code ? { declineCode: lastError.decline_code } : {}),
      },
      { paymentIntentId: intent.id },
    );
  }

  async findCardByMetadata(input: {
    externalCustomerId: string;
    key: string;
    value: string;
  }): Promise<GatewayCard | null> {
    let startingAfter: string | undefined;
    // Bounded: 100 pages of 100 cards.
    for (let page = 0; page < 100; page++) {
      const result = await this.listCards({
        externalCustomerId: input.externalCustomerId,
        limit: LIST_MAX_LIMIT,
        ...(startingAfter !== undefined ? { startingAfter } : {}),
      });
      const found = result.data.find((card) => card.metadata[input.key] === input.value);
      if (found) return found;
      const last = result.data.at(-1);
      if (!result.hasMore || !last) return null;
      startingAfter = last.externalCardId;
    }
    return null;
  }

  // ---------------------------------------------------------------- refunds and charge lookup

  /**
   * POST /v1/refunds {charge, metadata} under `${key}:refund`. Stripe answers a charge that
   * is already refunded in full with `charge_already_refunded`: that counts as done, and the
   * result is the charge's newest succeeded refund (GET /v1/refunds?charge=…).
   */
  async refund(input: RefundInput): Promise<RefundResult> {
    const key = stepIdempotencyKey(input.idempotencyKey, 'refund');
    const params: Stripe.RefundCreateParams = { charge: input.chargeId };
    if (input.metadata) params.metadata = input.metadata;
    let refund: Stripe.Refund;
    try {
      refund = await this.#call(
        { operation: 'refunds.create', method: 'POST', params, idempotencyKey: key },
        (o) => this.#stripe.refunds.create(params, o),
      );
    } catch (error) {
      if (!isGatewayError(error) || error.details.gateway?.code !== 'charge_already_refunded') throw error;
      const existing = await this.#existingRefund(input.chargeId);
      if (!existing) throw error;
      refund = existing;
    }
    return this.#refundResult(refund, input.chargeId);
  }

  /** The charge's newest succeeded refund, else its newest pending one, else undefined. */
  async #existingRefund(chargeId: string): Promise<Stripe.Refund | undefined> {
    const params: Stripe.RefundListParams = { charge: chargeId, limit: LIST_MAX_LIMIT };
    const refunds = await this.#call({ operation: 'refunds.list', method: 'GET', params }, (o) =>
      this.#stripe.refunds.list(params, o),
    );
    return (
      refunds.data.find((r) => r.status === 'succeeded') ??
      refunds.data.find((r) => r.status === 'pending' || r.status === 'requires_action')
    );
  }

  #refundResult(refund: Stripe.Refund, chargeId: string): RefundResult {
    const refundChargeId =
      typeof refund.charge === 'string' ? refund.charge : (refund.charge?.id ?? chargeId);
    if (refund.status === 'succeeded') {
      return {
        refundId: refund.id,
        chargeId: refundChargeId,
        amountMinor: refund.amount,
        status: 'succeeded',
      };
    }
    if (refund.status === 'pending' || refund.status === 'requires_action') {
      throw gatewayError(
        'indeterminate',
        `Refund ${refund.id} is ${refund.status}; its outcome is not known yet.`,
        {},
        { refundId: refund.id, chargeId: refundChargeId, outcome: 'unknown' },
      );
    }
    throw gatewayError(
      'declined',
      `Refund ${refund.id} of charge ${refundChargeId} did not succeed (status ${String(refund.status)}).`,
      refund.failure_reason ? { code: refund.failure_reason } : {},
      { refundId: refund.id, chargeId: refundChargeId },
    );
  }

  /**
   * GET /v1/charges?customer=…&limit=100, following `has_more` (bounded: 100 pages). The
   * newest succeeded match wins; failed charges are skipped; a pending match (and no
   * succeeded one) is indeterminate.
   */
  async findChargeByMetadata(input: {
    externalCustomerId: string;
    key: string;
    value: string;
  }): Promise<FoundCharge | null> {
    let startingAfter: string | undefined;
    let pending: Stripe.Charge | undefined;
    for (let page = 0; page < 100; page++) {
      const params: Stripe.ChargeListParams = {
        customer: input.externalCustomerId,
        limit: LIST_MAX_LIMIT,
        ...(startingAfter !== undefined ? { starting_after: startingAfter } : {}),
      };
      const charges = await this.#call({ operation: 'charges.list', method: 'GET', params }, (o) =>
        this.#stripe.charges.list(params, o),
      );
      for (const charge of charges.data) {
        if (charge.metadata?.[input.key] !== input.value) continue;
        if (charge.status === 'succeeded') {
          return {
            chargeId: charge.id,
            amountMinor: charge.amount,
            currency: charge.currency,
            status: 'succeeded',
            refunded: charge.refunded,
            metadata: { ...charge.metadata },
          };
        }
        if (charge.status === 'pending') pending ??= charge;
      }
      const last = charges.data.at(-1);
      if (!charges.has_more || !last) break;
      startingAfter = last.id;
    }
    if (pending) {
      throw gatewayError(
        'indeterminate',
        `Charge ${pending.id} is pending; its outcome is not known yet.`,
        {},
        { chargeId: pending.id, outcome: 'unknown' },
      );
    }
    return null;
  }
}

export const createStripeGateway = (options: StripeGatewayOptions): StripeGateway =>
  new StripeGateway(options);
