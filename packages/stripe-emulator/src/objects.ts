import { listObject, newestFirst } from './pagination.js';
import type {
  AccountSpace,
  Address,
  CardFacts,
  CardRecord,
  ChargeRecord,
  ConnectedAccountRecord,
  CustomerRecord,
  PaymentIntentRecord,
  PaymentMethodRecord,
  RefundRecord,
  TokenRecord,
} from './store.js';
import { BRAND_NAMES, type BrandKey } from './test-cards.js';

/**
 * Records → Stripe JSON, key for key like Stripe's fixtures (stripe-card-fixtures.json)
 * and valid against the OpenAPI subset. Builders are pure; expansion is in expand.ts.
 */

export type Json = Record<string, unknown>;

const DISPLAY_BRANDS: Record<BrandKey, string> = {
  visa: 'visa',
  mastercard: 'mastercard',
  amex: 'american_express',
  discover: 'discover',
  diners: 'diners_club',
  jcb: 'jcb',
  unionpay: 'union_pay',
  unknown: 'other',
};

const lineCheck = (value: string | null, facts: CardFacts) => (value ? facts.addressLine1Check : null);
const zipCheck = (value: string | null, facts: CardFacts) => (value ? facts.addressZipCheck : null);

function cardFields(card: CardRecord): Json {
  const { facts } = card;
  return {
    id: card.id,
    object: 'card',
    address_city: card.address_city,
    address_country: card.address_country,
    address_line1: card.address_line1,
    address_line1_check: lineCheck(card.address_line1, facts),
    address_line2: card.address_line2,
    address_state: card.address_state,
    address_zip: card.address_zip,
    address_zip_check: zipCheck(card.address_zip, facts),
    brand: BRAND_NAMES[facts.brand],
    country: facts.country,
    customer: card.customer,
    cvc_check: facts.cvc_check,
    dynamic_last4: null,
    exp_month: facts.exp_month,
    exp_year: facts.exp_year,
    fingerprint: facts.fingerprint,
    funding: facts.funding,
    last4: facts.last4,
    metadata: { ...card.metadata },
    name: card.name,
    redaction: null,
    regulated_status: null,
    tokenization_method: null,
    wallet: null,
  };
}

export function cardJson(card: CardRecord): Json {
  return cardFields(card);
}

/** A token's card has no customer yet, and carries `networks` (as in Stripe's fixture). */
function tokenCardJson(card: CardRecord): Json {
  const { customer: _customer, ...rest } = cardFields(card);
  return { ...rest, networks: { preferred: null } };
}

export function deletedJson(id: string, object: string): Json {
  return { id, object, deleted: true };
}

export function tokenJson(token: TokenRecord, livemode: boolean): Json {
  return {
    id: token.id,
    object: 'token',
    card: tokenCardJson(token.card),
    client_ip: null,
    created: token.created,
    livemode,
    type: 'card',
    used: token.used,
  };
}

function checksJson(facts: CardFacts, address: Address): Json {
  return {
    address_line1_check: lineCheck(address.line1, facts),
    address_postal_code_check: zipCheck(address.postal_code, facts),
    cvc_check: facts.cvc_check,
  };
}

function pmCardJson(facts: CardFacts, address: Address): Json {
  return {
    brand: facts.brand,
    checks: checksJson(facts, address),
    country: facts.country,
    display_brand: DISPLAY_BRANDS[facts.brand],
    exp_month: facts.exp_month,
    exp_year: facts.exp_year,
    fingerprint: facts.fingerprint,
    funding: facts.funding,
    generated_from: null,
    last4: facts.last4,
    networks: { available: [facts.brand], preferred: null },
    regulated_status: null,
    three_d_secure_usage: { supported: true },
    wallet: null,
  };
}

export function paymentMethodJson(pm: PaymentMethodRecord, livemode: boolean): Json {
  const { address, email, name, phone } = pm.billing_details;
  return {
    id: pm.id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: { address: { ...address }, email, name, phone, tax_id: null },
    card: pmCardJson(pm.facts, address),
    created: pm.created,
    customer: pm.customer,
    customer_account: null,
    livemode,
    metadata: { ...pm.metadata },
    type: 'card',
  };
}

function cardAddress(card: CardRecord): Address {
  return {
    city: card.address_city,
    country: card.address_country,
    line1: card.address_line1,
    line2: card.address_line2,
    postal_code: card.address_zip,
    state: card.address_state,
  };
}

/** Stripe lets a `card_…` stand wherever a PaymentMethod is expected; this is its PM view. */
export function cardAsPaymentMethod(card: CardRecord): PaymentMethodRecord {
  return {
    id: card.id,
    seq: card.seq,
    created: card.created,
    customer: card.customer,
    facts: card.facts,
    billing_details: { address: cardAddress(card), email: null, name: card.name, phone: null },
    metadata: card.metadata,
  };
}

/**
 * The sources list embedded in a customer when `expand[]=sources` (or `data.sources` on a
 * list): the 10 newest, `has_more` when there are more, and the `url` that pages the rest.
 */
export function sourcesJson(customer: CustomerRecord, space: AccountSpace): Json {
  const cards = newestFirst(
    customer.cardIds.map((id) => space.cards.get(id)).filter((c): c is CardRecord => c !== undefined),
  );
  return listObject(
    `/v1/customers/${customer.id}/sources`,
    cards.slice(0, 10).map(cardJson),
    cards.length > 10,
  );
}

export function customerJson(customer: CustomerRecord, space: AccountSpace): Json {
  if (customer.deleted) return deletedJson(customer.id, 'customer');
  return {
    id: customer.id,
    object: 'customer',
    address: customer.address ? { ...customer.address } : null,
    balance: 0,
    created: customer.created,
    currency: null,
    default_source: customer.default_source,
    delinquent: false,
    description: customer.description,
    discount: null,
    email: customer.email,
    invoice_prefix: customer.invoice_prefix,
    invoice_settings: {
      custom_fields: null,
      default_payment_method: customer.default_payment_method,
      footer: null,
      rendering_options: { amount_tax_display: null, template: null },
    },
    livemode: space.livemode,
    metadata: { ...customer.metadata },
    name: customer.name,
    next_invoice_sequence: 1,
    phone: customer.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

function outcome(charge: ChargeRecord): Json {
  if (!charge.failure) {
    return {
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      risk_score: 20,
      seller_message: 'Payment complete.',
      type: 'authorized',
    };
  }
  const processing = charge.failure.code === 'processing_error';
  return {
    network_status: processing ? 'not_sent_to_network' : 'declined_by_network',
    reason: charge.failure.decline_code,
    risk_level: 'normal',
    risk_score: 20,
    seller_message: processing
      ? 'The payment could not be processed.'
      : 'The bank did not return any further details with this decline.',
    type: processing ? 'invalid' : 'issuer_declined',
  };
}

export function chargeJson(charge: ChargeRecord, livemode: boolean): Json {
  const failed = charge.failure !== null;
  const pm = charge.paymentMethod ?? (charge.card ? cardAsPaymentMethod(charge.card) : null);
  const facts = pm?.facts;
  const address = pm?.billing_details.address;
  return {
    id: charge.id,
    object: 'charge',
    amount: charge.amount,
    amount_captured: failed || !charge.captured ? 0 : charge.amount,
    amount_refunded: charge.amount_refunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: pm
      ? { ...pm.billing_details, address: { ...pm.billing_details.address } }
      : { address: null, email: null, name: null, phone: null },
    calculated_statement_descriptor: 'CARDBRIDGE',
    captured: !failed && charge.captured,
    created: charge.created,
    currency: charge.currency,
    customer: charge.customer,
    description: charge.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: charge.failure?.code ?? null,
    failure_message: charge.failure?.message ?? null,
    fraud_details: {},
    invoice: null,
    livemode,
    metadata: { ...charge.metadata },
    on_behalf_of: null,
    outcome: outcome(charge),
    paid: !failed,
    payment_intent: charge.payment_intent,
    payment_method: pm?.id ?? null,
    payment_method_details:
      facts && address
        ? {
            card: {
              brand: facts.brand,
              checks: checksJson(facts, address),
              country: facts.country,
              exp_month: facts.exp_month,
              exp_year: facts.exp_year,
              fingerprint: facts.fingerprint,
              funding: facts.funding,
              last4: facts.last4,
              network: facts.brand,
              three_d_secure: null,
              wallet: null,
            },
            type: 'card',
          }
        : null,
    receipt_email: charge.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: charge.amount_refunded > 0 && charge.amount_refunded >= charge.amount,
    review: null,
    shipping: null,
    source: charge.card ? cardJson(charge.card) : null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: failed ? 'failed' : 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}

export function paymentIntentJson(pi: PaymentIntentRecord, livemode: boolean): Json {
  return {
    id: pi.id,
    object: 'payment_intent',
    amount: pi.amount,
    amount_capturable: pi.status === 'requires_capture' ? pi.amount : 0,
    amount_received: pi.amount_received,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: pi.capture_method,
    client_secret: pi.client_secret,
    confirmation_method: pi.confirmation_method,
    created: pi.created,
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description,
    invoice: null,
    last_payment_error: pi.last_payment_error,
    latest_charge: pi.latest_charge,
    livemode,
    metadata: { ...pi.metadata },
    next_action: null,
    on_behalf_of: null,
    payment_method: pi.payment_method,
    payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    processing: null,
    receipt_email: pi.receipt_email,
    review: null,
    setup_future_usage: pi.setup_future_usage,
    shipping: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: pi.status,
    transfer_data: null,
    transfer_group: null,
  };
}

export function refundJson(refund: RefundRecord): Json {
  return {
    id: refund.id,
    object: 'refund',
    amount: refund.amount,
    balance_transaction: null,
    charge: refund.charge,
    created: refund.created,
    currency: refund.currency,
    destination_details: {
      card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
      type: 'card',
    },
    metadata: { ...refund.metadata },
    payment_intent: refund.payment_intent,
    reason: refund.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: refund.status,
    transfer_reversal: null,
  };
}

/**
 * A Standard account the platform created and controls, fully onboarded: what a platform
 * sees of each connected account in GET /v1/accounts.
 */
export function accountJson(account: ConnectedAccountRecord): Json {
  const noRequirements = {
    alternatives: [],
    current_deadline: null,
    currently_due: [],
    disabled_reason: null,
    errors: [],
    eventually_due: [],
    past_due: [],
    pending_verification: [],
  };
  return {
    id: account.id,
    object: 'account',
    business_profile: {
      annual_revenue: null,
      estimated_worker_count: null,
      mcc: null,
      name: account.businessName,
      product_description: null,
      support_address: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: null,
    },
    business_type: null,
    capabilities: { card_payments: 'active', transfers: 'active' },
    charges_enabled: true,
    controller: {
      fees: { payer: 'account' },
      is_controller: true,
      losses: { payments: 'stripe' },
      requirement_collection: 'stripe',
      stripe_dashboard: { type: 'full' },
      type: 'application',
    },
    country: account.country,
    created: account.created,
    default_currency: account.defaultCurrency,
    details_submitted: true,
    email: account.email,
    external_accounts: listObject(`/v1/accounts/${account.id}/external_accounts`, [], false),
    future_requirements: noRequirements,
    metadata: { ...account.metadata },
    payouts_enabled: true,
    requirements: noRequirements,
    settings: {
      dashboard: { display_name: account.businessName, timezone: 'Etc/UTC' },
      payments: { statement_descriptor: null },
    },
    tos_acceptance: { date: account.created, ip: null, user_agent: null },
    type: 'standard',
  };
}
