import { cardTypes } from '@cardbridge/core';
import { describe, expect, it } from 'vitest';
import { cardTypeFromStripeBrand, stripeBrandFromCardType } from '../src/brand.js';

describe('Stripe brands', () => {
  it('maps the Card object brands', () => {
    expect(cardTypeFromStripeBrand('Visa')).toBe('Visa');
    expect(cardTypeFromStripeBrand('MasterCard')).toBe('MasterCard');
    expect(cardTypeFromStripeBrand('American Express')).toBe('AmericanExpress');
    expect(cardTypeFromStripeBrand('Discover')).toBe('Discover');
    expect(cardTypeFromStripeBrand('Diners Club')).toBe('DinersClub');
    expect(cardTypeFromStripeBrand('JCB')).toBe('JCB');
    expect(cardTypeFromStripeBrand('UnionPay')).toBe('UnionPay');
  });

  it('maps the PaymentMethod brands', () => {
    expect(cardTypeFromStripeBrand('visa')).toBe('Visa');
    expect(cardTypeFromStripeBrand('mastercard')).toBe('MasterCard');
    expect(cardTypeFromStripeBrand('amex')).toBe('AmericanExpress');
    expect(cardTypeFromStripeBrand('discover')).toBe('Discover');
    expect(cardTypeFromStripeBrand('diners')).toBe('DinersClub');
    expect(cardTypeFromStripeBrand('jcb')).toBe('JCB');
    expect(cardTypeFromStripeBrand('unionpay')).toBe('UnionPay');
  });

  it('returns null for brands we do not handle and for odd input', () => {
    for (const b of [
      'Unknown',
      'unknown',
      'Eftpos Australia',
      'eftpos_au',
      'cartes_bancaires',
      'interac',
      'link',
    ]) {
      expect(cardTypeFromStripeBrand(b), b).toBeNull();
    }
    for (const b of ['', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(cardTypeFromStripeBrand(b), b).toBeNull();
    }
  });

  it('round-trips our brands through both Stripe spellings (Maestro is reported as Mastercard)', () => {
    for (const type of cardTypes) {
      for (const form of ['card', 'payment_method'] as const) {
        const stripe = stripeBrandFromCardType(type, form);
        expect(cardTypeFromStripeBrand(stripe), `${type} ${form}`).toBe(
          type === 'Maestro' ? 'MasterCard' : type,
        );
      }
    }
    expect(stripeBrandFromCardType('AmericanExpress')).toBe('American Express');
    expect(stripeBrandFromCardType('AmericanExpress', 'payment_method')).toBe('amex');
    expect(stripeBrandFromCardType('DinersClub', 'payment_method')).toBe('diners');
  });
});
