import { echo, invalidRequest } from './errors.js';
import type { FormObject } from './form.js';

/**
 * The parameters each endpoint accepts, as Stripe's API reference lists them for API version
 * 2023-08-16 (https://docs.stripe.com/api), nested keys included. A request naming any
 * other parameter gets Stripe's `parameter_unknown` error, and a value outside an enum gets
 * Stripe's "Invalid …: must be one of …" error, before the handler runs, so a mistyped
 * parameter fails here as it would at Stripe. Parameters Stripe accepts that the emulator
 * does not model are declared `'any'`: accepted (any shape) and ignored.
 *
 * How each value is checked here (the handlers still check strings, integers and booleans):
 * - `'string'`: a scalar; `'map'`: free keys (metadata); `'list'`: an array (`expand[]`);
 * - `'any'`: anything, not looked into;
 * - `{ enum }`: one of these strings;
 * - `{ fields }`: a hash of these keys (`card[number]`); `orString` also takes a plain string
 *   (`card=tok_…`), `emptyable` takes `''` (unset).
 */

export type ParamSpec =
  | 'string'
  | 'map'
  | 'list'
  | 'any'
  | { readonly enum: readonly string[] }
  | { readonly fields: Params; readonly orString?: boolean; readonly emptyable?: boolean };

export type Params = Readonly<Record<string, ParamSpec>>;

const enumOf = (...values: string[]): ParamSpec => ({ enum: values });

/** Stripe's payment method types (API 2023-08-16). */
const PAYMENT_METHOD_TYPES = [
  'acss_debit',
  'affirm',
  'afterpay_clearpay',
  'alipay',
  'au_becs_debit',
  'bacs_debit',
  'bancontact',
  'blik',
  'boleto',
  'card',
  'cashapp',
  'customer_balance',
  'eps',
  'fpx',
  'giropay',
  'grabpay',
  'ideal',
  'klarna',
  'konbini',
  'link',
  'oxxo',
  'p24',
  'paynow',
  'paypal',
  'pix',
  'promptpay',
  'sepa_debit',
  'sofort',
  'us_bank_account',
  'wechat_pay',
  'zip',
] as const;

const ADDRESS: ParamSpec = {
  emptyable: true,
  fields: {
    city: 'string',
    country: 'string',
    line1: 'string',
    line2: 'string',
    postal_code: 'string',
    state: 'string',
  },
};

const CARD_HOLDER: Params = {
  address_city: 'string',
  address_country: 'string',
  address_line1: 'string',
  address_line2: 'string',
  address_state: 'string',
  address_zip: 'string',
  name: 'string',
};

/** A card hash on a customer (`source[…]`, `card[…]`) or a token id. */
const CUSTOMER_CARD: ParamSpec = {
  orString: true,
  fields: {
    ...CARD_HOLDER,
    cvc: 'string',
    exp_month: 'string',
    exp_year: 'string',
    metadata: 'map',
    number: 'string',
    object: enumOf('card'),
  },
};

const TOKEN_CARD: ParamSpec = {
  orString: true,
  fields: {
    ...CARD_HOLDER,
    currency: 'string',
    cvc: 'string',
    exp_month: 'string',
    exp_year: 'string',
    number: 'string',
  },
};

const BILLING_DETAILS: ParamSpec = {
  fields: { address: ADDRESS, email: 'string', name: 'string', phone: 'string' },
};

const INVOICE_SETTINGS: ParamSpec = {
  fields: {
    custom_fields: 'any',
    default_payment_method: 'string',
    footer: 'string',
    rendering_options: 'any',
  },
};

const EXPAND: Params = { expand: 'list' };
/** `created=<ts>` or `created[gt|gte|lt|lte]=<ts>` on list endpoints. */
const CREATED: ParamSpec = {
  orString: true,
  fields: { gt: 'string', gte: 'string', lt: 'string', lte: 'string' },
};
const PAGE: Params = { ending_before: 'string', expand: 'list', limit: 'string', starting_after: 'string' };
const SEARCH: Params = { expand: 'list', limit: 'string', page: 'string', query: 'string' };
const TAX_EXEMPT = enumOf('', 'exempt', 'none', 'reverse');
const CAPTURE_METHOD = enumOf('automatic', 'automatic_async', 'manual');
const PM_TYPE: ParamSpec = { enum: PAYMENT_METHOD_TYPES };

const CUSTOMER_COMMON: Params = {
  address: ADDRESS,
  balance: 'string',
  cash_balance: 'any',
  coupon: 'string',
  description: 'string',
  email: 'string',
  expand: 'list',
  invoice_prefix: 'string',
  invoice_settings: INVOICE_SETTINGS,
  metadata: 'map',
  name: 'string',
  next_invoice_sequence: 'string',
  phone: 'string',
  preferred_locales: 'list',
  promotion_code: 'string',
  shipping: 'any',
  source: CUSTOMER_CARD,
  tax: 'any',
  tax_exempt: TAX_EXEMPT,
};

const SOURCES_CREATE: Params = {
  alipay_account: 'any',
  bank_account: 'any',
  card: CUSTOMER_CARD,
  expand: 'list',
  metadata: 'map',
  source: CUSTOMER_CARD,
};

const SOURCE_UPDATE: Params = {
  ...CARD_HOLDER,
  account_holder_name: 'string',
  account_holder_type: enumOf('company', 'individual'),
  exp_month: 'string',
  exp_year: 'string',
  expand: 'list',
  metadata: 'map',
  owner: 'any',
};

const PAYMENT_INTENT_CONFIRM: Params = {
  capture_method: CAPTURE_METHOD,
  error_on_requires_action: 'string',
  expand: 'list',
  mandate: 'string',
  mandate_data: 'any',
  off_session: 'any',
  payment_method: 'string',
  payment_method_data: 'any',
  payment_method_options: 'any',
  payment_method_types: 'list',
  radar_options: 'any',
  receipt_email: 'string',
  return_url: 'string',
  setup_future_usage: enumOf('', 'off_session', 'on_session'),
  shipping: 'any',
  use_stripe_sdk: 'string',
};

/** Payment method types the emulator does not model: accepted as hashes, then refused by `type`. */
const OTHER_PM_TYPES: Params = Object.fromEntries(
  PAYMENT_METHOD_TYPES.filter((t) => t !== 'card').map((t) => [t, 'any' as const]),
);

/** `METHOD /v1/path/:param` (as routes.ts registers them) → accepted parameters. */
export const ENDPOINT_PARAMS: Readonly<Record<string, Params>> = {
  'GET /v1/account': EXPAND,
  'GET /v1/accounts': { ...PAGE, created: CREATED },
  'GET /v1/accounts/:account': EXPAND,
  'POST /v1/customers': {
    ...CUSTOMER_COMMON,
    payment_method: 'string',
    tax_id_data: 'any',
    test_clock: 'string',
  },
  'GET /v1/customers': { ...PAGE, created: CREATED, email: 'string', test_clock: 'string' },
  'GET /v1/customers/search': SEARCH,
  'GET /v1/customers/:customer': EXPAND,
  'POST /v1/customers/:customer': {
    ...CUSTOMER_COMMON,
    bank_account: 'any',
    card: CUSTOMER_CARD,
    default_alipay_account: 'string',
    default_bank_account: 'string',
    default_card: 'string',
    default_source: 'string',
  },
  'DELETE /v1/customers/:customer': {},
  'GET /v1/customers/:customer/payment_methods': { ...PAGE, type: PM_TYPE },
  'GET /v1/customers/:customer/payment_methods/:payment_method': EXPAND,
  'POST /v1/customers/:customer/sources': SOURCES_CREATE,
  'GET /v1/customers/:customer/sources': { ...PAGE, object: 'string' },
  'GET /v1/customers/:customer/sources/:id': EXPAND,
  'POST /v1/customers/:customer/sources/:id': SOURCE_UPDATE,
  'DELETE /v1/customers/:customer/sources/:id': EXPAND,
  'POST /v1/customers/:customer/cards': SOURCES_CREATE,
  'GET /v1/customers/:customer/cards': PAGE,
  'GET /v1/customers/:customer/cards/:id': EXPAND,
  'POST /v1/customers/:customer/cards/:id': SOURCE_UPDATE,
  'DELETE /v1/customers/:customer/cards/:id': EXPAND,
  'POST /v1/tokens': {
    account: 'any',
    bank_account: 'any',
    card: TOKEN_CARD,
    customer: 'string',
    cvc_update: 'any',
    expand: 'list',
    person: 'any',
    pii: 'any',
  },
  'GET /v1/tokens/:token': EXPAND,
  'POST /v1/payment_methods': {
    ...OTHER_PM_TYPES,
    interac_present: 'any',
    billing_details: BILLING_DETAILS,
    card: {
      fields: { cvc: 'string', exp_month: 'string', exp_year: 'string', number: 'string', token: 'string' },
    },
    customer: 'string',
    expand: 'list',
    metadata: 'map',
    payment_method: 'string',
    radar_options: 'any',
    type: PM_TYPE,
  },
  'GET /v1/payment_methods': { ...PAGE, customer: 'string', type: PM_TYPE },
  'GET /v1/payment_methods/:payment_method': EXPAND,
  'POST /v1/payment_methods/:payment_method': {
    billing_details: BILLING_DETAILS,
    card: { fields: { exp_month: 'string', exp_year: 'string' } },
    expand: 'list',
    link: 'any',
    metadata: 'map',
    us_bank_account: 'any',
  },
  'POST /v1/payment_methods/:payment_method/attach': { customer: 'string', expand: 'list' },
  'POST /v1/payment_methods/:payment_method/detach': EXPAND,
  'POST /v1/charges': {
    amount: 'string',
    application_fee: 'string',
    application_fee_amount: 'string',
    capture: 'string',
    currency: 'string',
    customer: 'string',
    description: 'string',
    destination: 'any',
    expand: 'list',
    metadata: 'map',
    on_behalf_of: 'string',
    radar_options: 'any',
    receipt_email: 'string',
    shipping: 'any',
    source: 'string',
    statement_descriptor: 'string',
    statement_descriptor_suffix: 'string',
    transfer_data: 'any',
    transfer_group: 'string',
  },
  'GET /v1/charges': {
    ...PAGE,
    created: CREATED,
    customer: 'string',
    payment_intent: 'string',
    transfer_group: 'string',
  },
  'GET /v1/charges/search': SEARCH,
  'GET /v1/charges/:charge': EXPAND,
  'POST /v1/payment_intents': {
    ...PAYMENT_INTENT_CONFIRM,
    amount: 'string',
    application_fee_amount: 'string',
    automatic_payment_methods: {
      fields: { allow_redirects: enumOf('always', 'never'), enabled: 'string' },
    },
    confirm: 'string',
    confirmation_method: enumOf('automatic', 'manual'),
    currency: 'string',
    customer: 'string',
    description: 'string',
    metadata: 'map',
    on_behalf_of: 'string',
    payment_method_configuration: 'string',
    setup_future_usage: enumOf('off_session', 'on_session'),
    statement_descriptor: 'string',
    statement_descriptor_suffix: 'string',
    transfer_data: 'any',
    transfer_group: 'string',
  },
  'GET /v1/payment_intents': { ...PAGE, created: CREATED, customer: 'string' },
  'GET /v1/payment_intents/search': SEARCH,
  'GET /v1/payment_intents/:intent': { client_secret: 'string', expand: 'list' },
  'POST /v1/payment_intents/:intent/confirm': PAYMENT_INTENT_CONFIRM,
  'POST /v1/refunds': {
    amount: 'string',
    charge: 'string',
    currency: 'string',
    customer: 'string',
    expand: 'list',
    instructions_email: 'string',
    metadata: 'map',
    origin: enumOf('customer_balance'),
    payment_intent: 'string',
    reason: enumOf('duplicate', 'fraudulent', 'requested_by_customer'),
    refund_application_fee: 'string',
    reverse_transfer: 'string',
  },
  'GET /v1/refunds': { ...PAGE, charge: 'string', created: CREATED, payment_intent: 'string' },
  'GET /v1/refunds/:refund': EXPAND,
};

/** `a, b, or c` / `a or b`, as Stripe lists an enum's values. */
function oneOf(values: readonly string[]): string {
  const shown = values.filter((v) => v !== '');
  if (shown.length <= 2) return shown.join(' or ');
  return `${shown.slice(0, -1).join(', ')}, or ${shown.at(-1)}`;
}

/** Stripe's error for a parameter the endpoint does not take. */
function unknownParam(name: string) {
  return invalidRequest(`Received unknown parameter: ${echo(name)}`, name, 'parameter_unknown');
}

/** Stripe's error for a value outside an enum (Stripe sends no `code` with it). */
function invalidEnum(name: string, values: readonly string[]) {
  return invalidRequest(`Invalid ${name}: must be one of ${oneOf(values)}`, name);
}

/** Throws Stripe's error for the first parameter `params` has that `accepted` does not allow. */
export function checkParams(accepted: Params, params: FormObject, prefix = ''): void {
  for (const [key, value] of Object.entries(params)) {
    const name = prefix ? `${prefix}[${key}]` : key;
    const spec = Object.hasOwn(accepted, key) ? accepted[key] : undefined;
    if (spec === undefined) throw unknownParam(name);
    if (typeof spec === 'string') continue;
    if ('enum' in spec) {
      if (typeof value === 'string' && !spec.enum.includes(value)) throw invalidEnum(name, spec.enum);
      continue;
    }
    if (typeof value === 'string') {
      if (spec.orString || (spec.emptyable && value === '')) continue;
      throw invalidRequest('Invalid object', name);
    }
    checkParams(spec.fields, value, name);
  }
}
