import { type IdPrefix, newId } from './ids.js';
import type { BrandKey, Check, Decline, Funding } from './test-cards.js';

/**
 * In-memory state. One `AccountSpace` per (mode, account): the platform account, or any
 * `acct_…` named in the Stripe-Account header, so one account's objects are invisible
 * from another. Records keep no card number and no CVC: only what Stripe returns plus
 * the test-card behaviour (how it declines), decided when the number was seen.
 */

export type Metadata = Record<string, string>;

export interface Address {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

export const emptyAddress = (): Address => ({
  city: null,
  country: null,
  line1: null,
  line2: null,
  postal_code: null,
  state: null,
});

/** What a card number tells us, minus the number. */
export interface CardFacts {
  brand: BrandKey;
  last4: string;
  funding: Funding;
  country: string;
  fingerprint: string;
  exp_month: number;
  exp_year: number;
  cvc_check: Check | null;
  declineOnAttach: Decline | null;
  declineOnCharge: Decline | null;
  addressLine1Check: Check;
  addressZipCheck: Check;
}

export interface CardRecord {
  id: string;
  seq: number;
  created: number;
  customer: string | null;
  facts: CardFacts;
  name: string | null;
  address_city: string | null;
  address_country: string | null;
  address_line1: string | null;
  address_line2: string | null;
  address_state: string | null;
  address_zip: string | null;
  metadata: Metadata;
}

export interface TokenRecord {
  id: string;
  seq: number;
  created: number;
  used: boolean;
  card: CardRecord;
}

export interface BillingDetails {
  address: Address;
  email: string | null;
  name: string | null;
  phone: string | null;
}

export interface PaymentMethodRecord {
  id: string;
  seq: number;
  created: number;
  customer: string | null;
  facts: CardFacts;
  billing_details: BillingDetails;
  metadata: Metadata;
}

export interface CustomerRecord {
  id: string;
  seq: number;
  created: number;
  email: string | null;
  name: string | null;
  description: string | null;
  phone: string | null;
  address: Address | null;
  metadata: Metadata;
  default_source: string | null;
  default_payment_method: string | null;
  invoice_prefix: string;
  /** Card ids in the order they were added (oldest first). */
  cardIds: string[];
  deleted: boolean;
}

export interface Failure extends Decline {}

export interface ChargeRecord {
  id: string;
  seq: number;
  created: number;
  amount: number;
  currency: string;
  customer: string | null;
  description: string | null;
  metadata: Metadata;
  captured: boolean;
  /** The card charged, as it was at charge time. */
  card: CardRecord | null;
  paymentMethod: PaymentMethodRecord | null;
  payment_intent: string | null;
  failure: Failure | null;
  receipt_email: string | null;
  /** Minor units refunded so far (sum of the charge's refunds). */
  amount_refunded: number;
}

export type RefundReason = 'duplicate' | 'fraudulent' | 'requested_by_customer';

export interface RefundRecord {
  id: string;
  seq: number;
  created: number;
  amount: number;
  charge: string;
  currency: string;
  metadata: Metadata;
  payment_intent: string | null;
  reason: RefundReason | null;
  /** Card refunds succeed at once here. */
  status: 'succeeded';
}

export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_capture'
  | 'succeeded'
  | 'canceled';

export interface PaymentIntentRecord {
  id: string;
  seq: number;
  created: number;
  amount: number;
  currency: string;
  customer: string | null;
  description: string | null;
  metadata: Metadata;
  payment_method: string | null;
  capture_method: 'automatic' | 'automatic_async' | 'manual';
  confirmation_method: 'automatic' | 'manual';
  setup_future_usage: string | null;
  receipt_email: string | null;
  status: PaymentIntentStatus;
  latest_charge: string | null;
  amount_received: number;
  last_payment_error: Record<string, unknown> | null;
  client_secret: string;
}

export class AccountSpace {
  readonly customers = new Map<string, CustomerRecord>();
  readonly cards = new Map<string, CardRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly paymentMethods = new Map<string, PaymentMethodRecord>();
  readonly charges = new Map<string, ChargeRecord>();
  readonly paymentIntents = new Map<string, PaymentIntentRecord>();
  readonly refunds = new Map<string, RefundRecord>();

  constructor(
    readonly account: string | null,
    readonly livemode: boolean,
  ) {}

  /** A customer that exists and is not deleted. */
  liveCustomer(id: string): CustomerRecord | undefined {
    const customer = this.customers.get(id);
    return customer && !customer.deleted ? customer : undefined;
  }
}

export interface AccountStats {
  customers: number;
  cards: number;
  paymentMethods: number;
  charges: number;
  refunds: number;
}

export interface StoreStats extends AccountStats {
  accounts: number;
}

export class Store {
  readonly #spaces = new Map<string, AccountSpace>();
  /** Ids the seed made (deterministic): a random id never takes one of them. */
  readonly #seeded = new Set<string>();
  #seq = 0;

  /** A fresh random id for an object created by an API call, never one the seed made. */
  newId(prefix: IdPrefix): string {
    for (;;) {
      const id = newId(prefix);
      if (!this.#seeded.has(id)) return id;
    }
  }

  /** Claims a seeded id; seeding the same id twice is a bug in the seed. */
  reserveSeeded(id: string): string {
    if (this.#seeded.has(id)) throw new Error(`seeded id ${id} is already taken`);
    this.#seeded.add(id);
    return id;
  }

  space(account: string | null, livemode = false): AccountSpace {
    const key = `${livemode ? 'live' : 'test'}:${account ?? ''}`;
    let space = this.#spaces.get(key);
    if (!space) {
      space = new AccountSpace(account, livemode);
      this.#spaces.set(key, space);
    }
    return space;
  }

  /** Insertion sequence, the tiebreak that keeps "newest first" exact within one second. */
  nextSeq(): number {
    return ++this.#seq;
  }

  reset(): void {
    this.#spaces.clear();
    this.#seeded.clear();
  }

  stats(): StoreStats {
    let customers = 0;
    let cards = 0;
    let paymentMethods = 0;
    let charges = 0;
    let refunds = 0;
    for (const space of this.#spaces.values()) {
      customers += space.customers.size;
      cards += space.cards.size;
      paymentMethods += space.paymentMethods.size;
      charges += space.charges.size;
      refunds += space.refunds.size;
    }
    return { accounts: this.#spaces.size, customers, cards, paymentMethods, charges, refunds };
  }

  /** Counts of one account's objects (`null` = the platform account; test mode unless `livemode`). */
  accountStats(account: string | null, livemode = false): AccountStats {
    const space = this.#spaces.get(`${livemode ? 'live' : 'test'}:${account ?? ''}`);
    return {
      customers: space?.customers.size ?? 0,
      cards: space?.cards.size ?? 0,
      paymentMethods: space?.paymentMethods.size ?? 0,
      charges: space?.charges.size ?? 0,
      refunds: space?.refunds.size ?? 0,
    };
  }
}
