import { countryFromAlpha2 } from '@cardbridge/core';
import { describe, expect, it } from 'vitest';
import {
  mapStripeCard,
  mapStripePaymentMethod,
  type StripeCardLike,
  type StripePaymentMethodLike,
} from '../src/index.js';
import { readStripeFixture } from './shared.js';

const fixtures = readStripeFixture<{ resources: Record<string, Record<string, unknown>> }>(
  'stripe-card-fixtures.json',
).resources;
const cardFixture = fixtures.card as unknown as StripeCardLike;
const pmFixture = fixtures.payment_method as unknown as StripePaymentMethodLike;

describe('mapStripeCard (Stripe card object → GatewayCard)', () => {
  it("maps Stripe's own card fixture", () => {
    expect(mapStripeCard(cardFixture)).toEqual({
      externalCardId: 'card_1PgaftB7WZ01zgkWm3waTcFp',
      externalCustomerId: null,
      cardType: 'Visa',
      last4: '4242',
      expMonth: 8,
      expYear: 2030,
      name: 'Jenny Rosen',
      address: { line1: null, line2: null, city: null, state: null, postalCode: null, country: null },
      fingerprint: 'AOB934RVNwzk6xtn',
      metadata: {},
    });
  });

  it('uses the customer it was fetched through when the object has none', () => {
    expect(mapStripeCard(cardFixture, 'cus_1').externalCustomerId).toBe('cus_1');
    expect(mapStripeCard({ ...cardFixture, customer: 'cus_2' }, 'cus_1').externalCustomerId).toBe('cus_2');
    expect(mapStripeCard({ ...cardFixture, customer: { id: 'cus_3' } }).externalCustomerId).toBe('cus_3');
  });

  it('maps the address, brands and normalises the free-text country to alpha-2', () => {
    const card = mapStripeCard({
      ...cardFixture,
      brand: 'American Express',
      address_line1: '232 Herzberg Road',
      address_line2: '',
      address_city: 'Kanata',
      address_state: 'ON',
      address_zip: 'K2K 2A1',
      address_country: 'Canada',
      metadata: { a: 'b' },
    });
    expect(card.cardType).toBe('AmericanExpress');
    expect(card.address).toEqual({
      line1: '232 Herzberg Road',
      line2: null,
      city: 'Kanata',
      state: 'ON',
      postalCode: 'K2K 2A1',
      country: 'CA',
    });
    expect(countryFromAlpha2(card.address.country)).toEqual({ countryId: 124, country: 'CAN' });
    expect(card.metadata).toEqual({ a: 'b' });
    expect(mapStripeCard({ ...cardFixture, address_country: 'us' }).address.country).toBe('US');
    expect(mapStripeCard({ ...cardFixture, address_country: 'USA' }).address.country).toBe('US');
    expect(mapStripeCard({ ...cardFixture, address_country: 'Atlantis' }).address.country).toBeNull();
    expect(mapStripeCard({ ...cardFixture, brand: 'Unknown' }).cardType).toBeNull();
    expect(mapStripeCard({ ...cardFixture, brand: 'Diners Club' }).cardType).toBe('DinersClub');
    expect(mapStripeCard({ ...cardFixture, fingerprint: null, name: '  ', metadata: null })).toMatchObject({
      fingerprint: null,
      name: null,
      metadata: {},
    });
  });
});

describe('mapStripePaymentMethod (Stripe payment_method → GatewayCard)', () => {
  it("maps Stripe's own payment_method fixture", () => {
    const card = mapStripePaymentMethod(pmFixture);
    expect(card).toEqual({
      externalCardId: 'pm_1Pgc75B7WZ01zgkWlHVgdEGJ',
      externalCustomerId: null,
      cardType: 'Visa',
      last4: '4242',
      expMonth: 8,
      expYear: 2030,
      name: null,
      address: {
        line1: '1234 Fake Street',
        line2: null,
        city: 'San Francisco',
        state: 'CA',
        postalCode: '94102',
        country: 'US',
      },
      fingerprint: 'AOB934RVNwzk6xtn',
      metadata: { order_id: '123456789' },
    });
    expect(countryFromAlpha2(card.address.country)).toEqual({ countryId: 840, country: 'USA' });
  });

  it('maps lowercase PaymentMethod brands and the owner', () => {
    const base = pmFixture.card!;
    expect(mapStripePaymentMethod({ ...pmFixture, card: { ...base, brand: 'amex' } }).cardType).toBe(
      'AmericanExpress',
    );
    expect(mapStripePaymentMethod({ ...pmFixture, card: { ...base, brand: 'diners' } }).cardType).toBe(
      'DinersClub',
    );
    expect(mapStripePaymentMethod({ ...pmFixture, card: { ...base, brand: 'unknown' } }).cardType).toBeNull();
    expect(mapStripePaymentMethod({ ...pmFixture, customer: 'cus_9' }).externalCustomerId).toBe('cus_9');
    expect(mapStripePaymentMethod({ ...pmFixture, billing_details: null }).address.country).toBeNull();
  });

  it('refuses a PaymentMethod that is not a card', () => {
    expect(() => mapStripePaymentMethod({ ...pmFixture, type: 'sepa_debit', card: null })).toThrowError(
      expect.objectContaining({ code: 'GATEWAY_INVALID_REQUEST' }),
    );
  });
});
