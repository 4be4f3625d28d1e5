import { CreatedIndex } from './created-index.js';
import { type IdPrefix, newId, nowSeconds } from './ids.js';
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

/** A Stripe Connect account connected to the platform (what GET /v1/accounts lists). */
export interface ConnectedAccountRecord {
  id: string;
  seq: number;
  created: number;
  email: string | null;
  businessName: string | null;
  country: string;
  defaultCurrency: string;
  metadata: Metadata;
}

export class AccountSpace {
  readonly customers = new Map<string, CustomerRecord>();
  /** The same customers (deleted ones too) in list order, for paging large accounts. */
  readonly customerOrder = new CreatedIndex<CustomerRecord>();
  /**
   * PaymentMethods attached to each customer, kept with every attach and detach. Arrays,
   * not Sets: a customer has a few, and a Set per customer is ~300 bytes at 100k customers.
   */
  readonly #attached = new Map<string, PaymentMethodRecord[]>();
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

  addCustomer(customer: CustomerRecord): void {
    this.customers.set(customer.id, customer);
    this.customerOrder.insert(customer);
  }

  /** A seeded batch: into the map one by one, into the list order in one go. */
  addCustomers(batch: readonly CustomerRecord[]): void {
    for (const customer of batch) this.customers.set(customer.id, customer);
    this.customerOrder.insertMany(batch);
  }

  /** Attaches a PaymentMethod to a customer, or detaches it (`null`); the only way to change `pm.customer`. */
  setPaymentMethodCustomer(pm: PaymentMethodRecord, customerId: string | null): void {
    if (pm.customer === customerId) return;
    if (pm.customer) {
      const rest = (this.#attached.get(pm.customer) ?? []).filter((other) => other !== pm);
      if (rest.length > 0) this.#attached.set(pm.customer, rest);
      else this.#attached.delete(pm.customer);
    }
    pm.customer = customerId;
    if (!customerId) return;
    const list = this.#attached.get(customerId);
    this.#attached.set(customerId, list ? [...list, pm] : [pm]);
  }

  /** The PaymentMethods attached to a customer, in the order they were attached. */
  paymentMethodsOf(customerId: string): readonly PaymentMethodRecord[] {
    return this.#attached.get(customerId) ?? [];
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
  /** Connect accounts of the platform, by id and in list order. */
  readonly #accounts = new Map<string, ConnectedAccountRecord>();
  readonly accountOrder = new CreatedIndex<ConnectedAccountRecord>();
  #seq = 0;

  /**
   * A fresh random id for an object created by an API call, never one an account holds
   * (seeded ids included). Looked up in the accounts' maps rather than a set of every
   * seeded id, which a 100k-customer seed would make large and slow to fill.
   */
  newId(prefix: IdPrefix): string {
    for (;;) {
      const id = newId(prefix);
      if (!this.#holds(prefix, id)) return id;
    }
  }

  /** Only customers, cards and PaymentMethods are ever seeded. */
  #holds(prefix: IdPrefix, id: string): boolean {
    if (prefix !== 'cus' && prefix !== 'card' && prefix !== 'pm') return false;
    for (const space of this.#spaces.values()) {
      const map = prefix === 'cus' ? space.customers : prefix === 'card' ? space.cards : space.paymentMethods;
      if (map.has(id)) return true;
    }
    return false;
  }

  /** Checks a seeded id is new to its map; seeding the same id twice is a bug in the seed. */
  reserveSeeded(map: ReadonlyMap<string, unknown>, id: string): string {
    if (map.has(id)) throw new Error(`seeded id ${id} is already taken`);
    return id;
  }

  /**
   * The data space of an account. Any `acct_…` the Stripe-Account header names counts as
   * connected to the platform from its first use (the emulator has no onboarding), so it
   * shows up in GET /v1/accounts too.
   */
  space(account: string | null, livemode = false): AccountSpace {
    const key = `${livemode ? 'live' : 'test'}:${account ?? ''}`;
    let space = this.#spaces.get(key);
    if (!space) {
      if (account !== null) this.connectAccount(account);
      space = new AccountSpace(account, livemode);
      this.#spaces.set(key, space);
    }
    return space;
  }

  /** Registers a connected account (once); `details` are used only the first time. */
  connectAccount(id: string, details: Partial<Omit<ConnectedAccountRecord, 'id' | 'seq'>> = {}) {
    const known = this.#accounts.get(id);
    if (known) return known;
    const record: ConnectedAccountRecord = {
      id,
      seq: this.nextSeq(),
      created: details.created ?? nowSeconds(),
      email: details.email ?? null,
      businessName: details.businessName ?? null,
      country: details.country ?? 'US',
      defaultCurrency: details.defaultCurrency ?? 'usd',
      metadata: details.metadata ?? {},
    };
    this.#accounts.set(id, record);
    this.accountOrder.insert(record);
    return record;
  }

  connectedAccount(id: string): ConnectedAccountRecord | undefined {
    return this.#accounts.get(id);
  }

  /** Insertion sequence, the tiebreak that keeps "newest first" exact within one second. */
  nextSeq(): number {
    return ++this.#seq;
  }

  reset(): void {
    this.#spaces.clear();
    this.#accounts.clear();
    this.accountOrder.clear();
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
