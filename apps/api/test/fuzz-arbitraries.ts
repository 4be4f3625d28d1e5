import { luhnCheckDigit, testCardNumbers, testTokens } from '@cardbridge/core';
import fc from 'fast-check';
import type { z } from 'zod';

/*
 * Inputs for the fuzz suite (fuzz.test.ts): hostile values, and valid-shaped values derived
 * from a procedure's own zod schema, so a new procedure or field is fuzzed with no edit here.
 *
 * Ids cannot be chosen when the value is generated (the rows they should point at are made
 * while the suite runs), so id fields hold a `Ref` to a pool, resolved right before sending.
 */

/** The kinds of row whose ids the suite collects from successful answers. */
export type PoolName = 'customers' | 'paymentMethods' | 'gatewayAccounts' | 'apiKeys';

/** Pools of ids; the Stripe ones are seeded at the emulator, the accounts made once. */
export type RefPool = PoolName | 'stripeCustomers' | 'stripeCards' | 'stripeAccounts' | 'connectAccounts';

/** "The n-th id of this pool (modulo its size)", resolved at send time. */
export class Ref {
  constructor(
    readonly pool: RefPool,
    readonly pick: number,
  ) {}

  /** Unresolved (in raw request text built before the call): some number. */
  toJSON(): number {
    return this.pick + 1;
  }
}

// ─── hostile values ─────────────────────────────────────────────────────────────────────

/** A Luhn-valid number that looks like a card (random digits, so it is in no fixture). */
export const cardLikeNumber: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('4', '51', '37', '6011'),
    fc.integer({ min: 13, max: 19 }),
    fc.bigInt(0n, 10n ** 19n),
  )
  .map(([prefix, length, fill]) => {
    const body = (prefix + fill.toString().padStart(19, '0')).slice(0, length - 1);
    return body + luhnCheckDigit(body);
  });

/** A card number as a person types it into a text field. */
const typedCardNumber = fc
  .tuple(cardLikeNumber, fc.constantFrom('', ' ', '-'), fc.constantFrom('', 'ref ', 'card: '))
  .map(([n, sep, before]) => before + (sep ? (n.match(/.{1,4}/g) ?? []).join(sep) : n));

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'Ja\u0000ne',
    '\ud800',
    'Jo\udfff',
    '\ud83d',
    'line\nbreak',
    '\t',
    '\u007f',
    '\u202eevil',
    '😀',
    'Zoë Ñúñez',
    'O\'Brien"; drop table customers; --',
    '%00',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    'null',
    '0',
    '-1',
    '2147483648',
    '99999999999999999999999',
    '1e400',
    'NaN',
    '__proto__',
    'constructor',
    'x'.repeat(300),
  ),
  typedCardNumber,
  fc.string({ unit: 'binary', maxLength: 30 }), // lone surrogates and control characters
  fc.string({ maxLength: 20 }),
);

export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -1, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 1e300, -1e300, 0.5, 1e-300),
  cardLikeNumber.filter((n) => n.length <= 15).map(Number),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Anything JSON can carry, with the hostile leaves above. */
export const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(nastyString, nastyNumber, fc.boolean(), fc.constant(null)),
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyString, fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/**
 * Request text JSON cannot express: malformed JSON, and numbers beyond a double (1e400 parses
 * as Infinity) or beyond int4/int8 put in place of a real number.
 */
export function rawText(valid: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('{', '[1,', '{"id":}', 'null', '"x"', '{"id":1e400}', '{"id":-0}', '{id:1,}'),
    fc
      .tuple(valid, fc.constantFrom('1e400', '123456789012345678901234567890', '-1e400', '0.0000001'))
      .map(([v, big]) => (JSON.stringify(v) ?? 'null').replace(/-?\d+(\.\d+)?/, big)),
  );
}

// ─── valid-shaped values from zod schemas ───────────────────────────────────────────────

/** Future expiry years, as YY and YYYY. */
const thisYear = new Date().getUTCFullYear();
const expiryYear = fc
  .integer({ min: thisYear + 1, max: thisYear + 6 })
  .chain((y) => fc.constantFrom(y, y % 100));

/** A card number of a supported brand with that brand's length (so intake gets past parsing). */
const brandCardNumber = fc
  .tuple(fc.constantFrom(['4', 16], ['51', 16], ['37', 15], ['6011', 16]), fc.bigInt(0n, 10n ** 16n))
  .map(([[prefix, length], fill]) => {
    const body = (prefix + fill.toString().padStart(16, '0')).slice(0, (length as number) - 1);
    return body + luhnCheckDigit(body);
  });

const idPools: Record<string, PoolName> = {
  customerId: 'customers',
  gatewayAccountId: 'gatewayAccounts',
  originalPaymentMethodId: 'paymentMethods',
};

const namespacePools: Record<string, PoolName> = {
  customers: 'customers',
  paymentMethods: 'paymentMethods',
  gatewayAccounts: 'gatewayAccounts',
  apiKeys: 'apiKeys',
};

const ref = (pool: RefPool) => fc.nat({ max: 1000 }).map((n) => new Ref(pool, n));

/** The account an import goes through: Stripe (Connect) ones, where its cards are. */
function importAccount(procedure: string): RefPool | undefined {
  if (procedure.endsWith('importStripeConnectCard')) return 'connectAccounts';
  if (procedure.endsWith('importStripeCard')) return 'stripeAccounts';
  return undefined;
}

/** What a well-behaved caller would send in a field of this name. */
function numberFor(field: string, ctx: SchemaContext): fc.Arbitrary<unknown> {
  const namespace = ctx.procedure.split('.')[0]!;
  const pool =
    (field === 'gatewayAccountId' ? importAccount(ctx.procedure) : undefined) ??
    idPools[field] ??
    (['id', 'startingAfter', 'endingBefore'].includes(field) ? namespacePools[namespace] : undefined);
  if (pool) return fc.oneof({ weight: 5, arbitrary: ref(pool) }, { weight: 1, arbitrary: nastyNumber });
  switch (field) {
    case 'expirationMonth':
      return fc.integer({ min: 1, max: 12 });
    case 'expirationYear':
      return expiryYear;
    case 'countryId':
      return fc.constantFrom(124, 840, 36, 826);
    case 'stateId':
      return fc.integer({ min: 1, max: 60 });
    case 'limit':
      return fc.integer({ min: 1, max: 100 });
    case 'batchSize':
      return fc.integer({ min: 1, max: 50 });
    case 'within':
      return fc.oneof(fc.nat({ max: 2000 }), nastyNumber);
    case 'collectionAmount':
      return fc.integer({ min: 1, max: 100_000 }).map((c) => c / 100);
    default:
      return fc.integer({ min: 0, max: 1000 });
  }
}

function stringFor(field: string, ctx: SchemaContext): fc.Arbitrary<unknown> {
  switch (field) {
    case 'cardNumber':
      return fc.oneof(
        { weight: 6, arbitrary: brandCardNumber },
        { weight: 3, arbitrary: fc.constantFrom(...Object.values(testCardNumbers)) },
        { weight: 1, arbitrary: cardLikeNumber },
      );
    case 'cvv':
      return fc.constantFrom('123', '123', '123', '1234');
    case 'postalZip':
      return fc.constantFrom('K2K 2A1', '90210', 'SW1A 1AA');
    case 'token':
      return fc.constantFrom(...Object.values(testTokens), 'tok_unknown', 'pm_unknown');
    case 'stripeCustomerId':
      return ref('stripeCustomers');
    case 'stripeCardId':
      return ref('stripeCards');
    case 'secretKey':
      return fc.constant(ctx.stripeSecretKey);
    case 'apiBase':
      return fc.constant(ctx.stripeApiBase);
    case 'connectedAccountId':
      return fc.constant(ctx.connectedAccountId);
    case 'currency':
      return fc.constantFrom('usd', 'eur', 'CAD');
    case 'email':
      return fc.constantFrom('jane@example.com', 'zoe.n@example.org');
    case 'within':
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc
            .tuple(fc.nat({ max: 70 }), fc.constantFrom('d', 'w', 'm', 'y', ''))
            .map(([n, u]) => `${n}${u}`),
        },
        { weight: 1, arbitrary: nastyString },
      );
    default:
      // Text a person types: mostly fine, sometimes hostile (NUL, lone surrogates, a card number…)
      // in an otherwise valid input, so the hostile value reaches the service and the database.
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constantFrom('Jane', 'Zoë', 'O’Brien', 'Müller-Lüdenscheidt', '東京', 'Suite 203'),
        },
        { weight: 1, arbitrary: nastyString },
      );
  }
}

export interface SchemaContext {
  /** The procedure (`paymentMethods.update`): what an `id` field refers to, which account an import uses. */
  procedure: string;
  stripeSecretKey: string;
  stripeApiBase: string;
  connectedAccountId: string;
}

interface Def {
  type: string;
  [key: string]: unknown;
}
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;
const isOptionalInput = (schema: unknown) =>
  (schema as { _zod: { optin?: string } })._zod.optin === 'optional';

/**
 * A value of the shape `schema` accepts as input, with field-aware leaves. Refinements are
 * not modelled: a refused value is fine, it is still a value of the right shape.
 */
export function validShaped(schema: z.ZodType, ctx: SchemaContext, field = ''): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  const inner = (key: string) => validShaped(def[key] as z.ZodType, ctx, field);
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, z.ZodType>;
      // An import without an account goes to the tenant's default (the test gateway) and stops
      // at "not a Stripe account": name one (unwrapped from its optional), so the case reaches Stripe.
      const named = importAccount(ctx.procedure) ? ['gatewayAccountId'] : [];
      const present = (k: string, s: z.ZodType) =>
        named.includes(k) && defOf(s).type === 'optional' ? (defOf(s).innerType as z.ZodType) : s;
      const arbs = Object.fromEntries(
        Object.entries(shape).map(([k, s]) => [k, validShaped(present(k, s), ctx, k)]),
      );
      const requiredKeys = Object.keys(shape).filter((k) => !isOptionalInput(shape[k]) || named.includes(k));
      return fc.record(arbs, { requiredKeys }).map(expiryTogether);
    }
    case 'string':
      return stringFor(field, ctx);
    case 'number':
      return numberFor(field, ctx);
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries as Record<string, unknown>));
    case 'literal':
      return fc.constantFrom(...(def.values as unknown[]));
    case 'array':
      return fc.array(inner('element'), { minLength: 1, maxLength: 3 });
    case 'union':
      return fc.oneof(...(def.options as z.ZodType[]).map((o) => validShaped(o, ctx, field)));
    case 'optional':
    case 'default':
    case 'prefault':
      return fc.option(inner('innerType'), { nil: undefined, freq: 3 });
    case 'nullable':
      return fc.option(inner('innerType'), { nil: null, freq: 5 });
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      return inner('innerType');
    case 'pipe':
      return inner('in');
    default:
      return anyValue;
  }
}

/** An expiry is updated as a pair (a refinement of the update schema): keep both or neither. */
function expiryTogether(value: Record<string, unknown>): Record<string, unknown> {
  if (!('expirationMonth' in value) && !('expirationYear' in value)) return value;
  return { expirationMonth: 12, expirationYear: thisYear + 2, ...value };
}

/** The top-level keys a schema's object input has (through optional/pipe/union wrappers). */
export function topLevelKeys(schema: z.ZodType | undefined): string[] {
  if (!schema) return [];
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return Object.keys(def.shape as object);
    case 'union':
      return [...new Set((def.options as z.ZodType[]).flatMap(topLevelKeys))];
    case 'optional':
    case 'default':
    case 'nullable':
      return topLevelKeys(def.innerType as z.ZodType);
    case 'pipe':
      return topLevelKeys(def.in as z.ZodType);
    default:
      return [];
  }
}

/** A valid-shaped value with one field replaced by a hostile value, removed, or one key added. */
export function mutated(valid: fc.Arbitrary<unknown>, keys: string[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(valid, fc.constantFrom(...keys, '__unknown__', 'tenantId'), anyValue, fc.nat({ max: 4 }))
    .map(([value, key, replacement, how]) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return replacement;
      const copy: Record<string, unknown> = { ...value };
      if (how === 0) delete copy[key];
      else copy[key] = replacement;
      return copy;
    });
}

/** Every kind of input for one schema: valid-shaped, mutated, or anything at all. */
export function inputFor(schema: z.ZodType | undefined, ctx: SchemaContext): fc.Arbitrary<unknown> {
  if (!schema) return fc.oneof(fc.constant(undefined), anyValue);
  const valid = validShaped(schema, ctx);
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 4, arbitrary: mutated(valid, topLevelKeys(schema)) },
    { weight: 2, arbitrary: anyValue },
  );
}
