import { describe, expect, it } from 'vitest';
import { readStripeFixture } from './shared.js';
import { describeErrors, openApiToJsonSchema, stripeSchemas } from './stripe-schema.js';

const fixtures = readStripeFixture<{ resources: Record<string, unknown> }>(
  'stripe-card-fixtures.json',
).resources;

describe('Stripe OpenAPI subset as JSON Schema', () => {
  it('turns nullable into type unions and drops additionalProperties: false', () => {
    expect(openApiToJsonSchema({ type: 'string', nullable: true })).toEqual({ type: ['string', 'null'] });
    expect(openApiToJsonSchema({ anyOf: [{ type: 'string' }], nullable: true })).toEqual({
      anyOf: [{ type: 'string' }, { type: 'null' }],
    });
    expect(openApiToJsonSchema({ $ref: '#/components/schemas/card', nullable: true })).toEqual({
      anyOf: [{ $ref: 'stripe-card-subset#/components/schemas/card' }, { type: 'null' }],
    });
    expect(openApiToJsonSchema({ type: 'object', additionalProperties: false })).toEqual({ type: 'object' });
  });

  it.each(['card', 'payment_method', 'customer', 'token', 'deleted_card', 'deleted_customer'])(
    "Stripe's own %s fixture validates",
    (name) => {
      const validate = stripeSchemas().component(name);
      expect(validate(fixtures[name]), describeErrors(validate)).toBe(true);
    },
  );

  it('rejects a card with a wrong type', () => {
    const validate = stripeSchemas().component('card');
    expect(validate({ ...(fixtures.card as object), exp_year: 'twenty' })).toBe(false);
  });
});
