import type { CardType, Cvv, Pan } from '../card/index.js';

/**
 * The one port every payment gateway implements (house rule 4, docs/architecture.md). Adapters: the
 * Stripe adapter (`@cardbridge/gateway-stripe`, the official SDK) and the in-process test gateway (`test/`).
 * Both pass the shared contract suite in `contract.ts`.
 *
 * Errors: every method throws `DomainError` with a GATEWAY_* code (see `./errors.ts`),
 * `details.gatewayKind` and `details.gateway` (the gateway's own code, message, request id
 * and HTTP status). A call whose outcome is unknown (timeout, dropped connection on a
 * mutation) throws kind 'indeterminate' (GATEWAY_TIMEOUT): reconcile it — look the card up
 * with `findCardByMetadata`, or repeat the call with the SAME idempotency key — never
 * repeat it with a new key.
 *
 * Idempotency: every creating/updating call takes the caller's deterministic
 * `idempotencyKey`; the same key with the same parameters returns the same result (no
 * duplicate card, charge or customer), also across our own retries.
 */

export interface GatewayAddress {
  line1: string | null;
  line2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  /** ISO 3166-1 alpha-2, upper case (see `countries.ts` for numeric id / alpha-3). */
  country: string | null;
}

export interface GatewayCard {
  /** `card_…` (Stripe source), `pm_…` (Stripe PaymentMethod) or `tcard_…` (test gateway). */
  externalCardId: string;
  externalCustomerId: string | null;
  /** null when the gateway's brand is one we do not support (e.g. Stripe 'Unknown'). */
  cardType: CardType | null;
  last4: string;
  expMonth: number;
  /** Four digits (the DTO mapper makes YY). */
  expYear: number;
  name: string | null;
  address: GatewayAddress;
  /** The gateway's own fingerprint of the card number (never a plain hash). */
  fingerprint: string | null;
  metadata: Record<string, string>;
}

export type CardRef = { externalCustomerId: string; externalCardId: string };

/** The kind name of the adapter ('stripe', 'sandbox', …): see `kind.ts`. */
export type GatewayKind = string;

export interface CreateCustomerInput {
  email?: string | null;
  name?: string | null;
  metadata?: Record<string, string>;
  idempotencyKey: string;
}

export interface ListCardsInput {
  externalCustomerId: string;
  /** 1..100, default 10. */
  limit?: number;
  /** A card id returned by a previous page. */
  startingAfter?: string;
}

export interface CreateCardFromTokenInput {
  externalCustomerId: string;
  /** `tok_…` (becomes a source `card_…`) or `pm_…` (a PaymentMethod to attach). */
  token: string;
  metadata?: Record<string, string>;
  idempotencyKey: string;
}

export interface CreateCardFromNumberInput {
  externalCustomerId: string;
  pan: Pan;
  cvv?: Cvv;
  expMonth: number;
  /** Four digits. */
  expYear: number;
  name?: string | null;
  address?: Partial<GatewayAddress>;
  metadata?: Record<string, string>;
  idempotencyKey: string;
}

/**
 * Fields to change; a field left out is kept. `null` clears a field. Metadata is merged
 * key by key like Stripe does; an empty-string value removes that key.
 */
export interface UpdateCardPatch {
  name?: string | null;
  address?: Partial<GatewayAddress>;
  expMonth?: number;
  expYear?: number;
  metadata?: Record<string, string>;
}

export interface ChargeInput extends CardRef {
  /** Amount in the currency's minor unit (cents), a positive integer. */
  amountMinor: number;
  /** ISO 4217, any case (sent lower case). */
  currency: string;
  idempotencyKey: string;
  description?: string;
  metadata?: Record<string, string>;
}

export interface ChargeResult {
  chargeId: string;
  amountMinor: number;
  currency: string;
  status: 'succeeded';
}

export interface RefundInput {
  chargeId: string;
  /** Our deterministic key; the same key on a retry never refunds twice. */
  idempotencyKey: string;
  metadata?: Record<string, string>;
}

export interface RefundResult {
  refundId: string;
  chargeId: string;
  amountMinor: number;
  status: 'succeeded';
}

export interface FoundCharge extends ChargeResult {
  /** True once the whole amount has been refunded. */
  refunded: boolean;
  metadata: Record<string, string>;
}

export interface PaymentGateway {
  readonly kind: GatewayKind;

  createCustomer(input: CreateCustomerInput): Promise<{ externalCustomerId: string }>;

  /** `card_…` (source) and `pm_…` (PaymentMethod) both. A card of another customer is not found. */
  retrieveCard(ref: CardRef): Promise<GatewayCard>;

  /** The customer's sources (object=card) and PaymentMethods of type card. */
  listCards(input: ListCardsInput): Promise<{ data: GatewayCard[]; hasMore: boolean }>;

  /** Declines surface here already: the gateway verifies a card when it is attached. */
  createCardFromToken(input: CreateCardFromTokenInput): Promise<GatewayCard>;

  /**
   * PCI path. Stripe: POST /v1/tokens, then attach the token to the customer. Together with
   * the vault, the only place that calls `pan.reveal()` / `cvv.reveal()`.
   */
  createCardFromNumber(input: CreateCardFromNumberInput): Promise<GatewayCard>;

  updateCard(ref: CardRef, patch: UpdateCardPatch, idempotencyKey: string): Promise<GatewayCard>;

  /**
   * Source delete, or PaymentMethod detach. `idempotencyKey` is optional (an addition to
   * the original port): a PaymentMethod detach is a POST, and a caller that retries a
   * delete whose outcome was unknown should pass the same key again. Without it the
   * adapter makes one random key per call (reused on its own retries).
   */
  deleteCard(ref: CardRef, idempotencyKey?: string): Promise<void>;

  charge(input: ChargeInput): Promise<ChargeResult>;

  /**
   * Reconciliation of an UNKNOWN outcome: find the customer's card whose
   * `metadata[key] === value` (e.g. our payment method id written at create time). Never
   * copies a card again. Null when none matches.
   */
  findCardByMetadata(input: {
    externalCustomerId: string;
    key: string;
    value: string;
  }): Promise<GatewayCard | null>;

  /** Refunds a charge in full. A charge already fully refunded counts as done (returns its refund). */
  refund(input: RefundInput): Promise<RefundResult>;

  /**
   * Reconciliation: the customer's charge whose `metadata[key] === value`, or null. Looks the
   * customer's charges up (not the search API, which Stripe documents as eventually consistent).
   * Only a succeeded charge counts (a failed one took no money); a matching charge whose
   * outcome is still pending is GATEWAY_TIMEOUT (indeterminate): ask again later.
   */
  findChargeByMetadata(input: {
    externalCustomerId: string;
    key: string;
    value: string;
  }): Promise<FoundCharge | null>;

  /** Reading a whole account page by page (bulk import); absent when the kind cannot. */
  readonly listing?: AccountListing;
}

/** A gateway customer as a page of the account listing shows it, with the cards that came along. */
export interface ListedCustomer {
  externalCustomerId: string;
  email: string | null;
  name: string | null;
  description: string | null;
  livemode: boolean;
  /** Unix seconds. */
  created: number;
  /** Stripe `default_source` (a `card_…`), else null. */
  defaultSourceId: string | null;
  /** Stripe `invoice_settings.default_payment_method` (a `pm_…`), else null. */
  defaultPaymentMethodId: string | null;
  /** The customer's card sources that came with the page (Stripe expands up to 10). */
  cards: GatewayCard[];
  /** More sources than came with the page: list them with `listSourceCards`. */
  moreCards: boolean;
}

export interface ListGatewayCustomersInput {
  /** 1..100 (Stripe's maximum, the fewest requests per customer). */
  limit?: number;
  startingAfter?: string;
  /** Unix seconds, inclusive / exclusive: partitions an account for parallel listing. */
  createdGte?: number;
  createdLt?: number;
}

export interface ConnectedAccount {
  id: string;
  livemode: boolean | null;
}

/**
 * An account read page by page with as few requests as the gateway allows: customers in pages
 * with their sources, the rest only where a customer needs it.
 */
export interface AccountListing {
  listCustomers(input: ListGatewayCustomersInput): Promise<{ data: ListedCustomer[]; hasMore: boolean }>;
  /** A customer's card sources (`card_…`) only. */
  listSourceCards(input: ListCardsInput): Promise<{ data: GatewayCard[]; hasMore: boolean }>;
  /** A customer's card PaymentMethods (`pm_…`) only. */
  listPaymentMethodCards(input: ListCardsInput): Promise<{ data: GatewayCard[]; hasMore: boolean }>;
  /** When the account itself was created (Unix seconds): where its customers can start. */
  accountCreated(): Promise<number>;
  /** The platform's connected accounts (Stripe Connect). */
  listConnectedAccounts(input: {
    limit?: number;
    startingAfter?: string;
  }): Promise<{ data: ConnectedAccount[]; hasMore: boolean }>;
}

export const emptyAddress = (): GatewayAddress => ({
  line1: null,
  line2: null,
  city: null,
  state: null,
  postalCode: null,
  country: null,
});

export const LIST_DEFAULT_LIMIT = 10;
export const LIST_MAX_LIMIT = 100;
