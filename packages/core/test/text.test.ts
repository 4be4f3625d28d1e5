import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLuhnValid, luhnCheckDigit } from '../src/card/luhn.js';
import { containsCardNumber } from '../src/card/mask.js';
import {
  createCustomerInput,
  createFromTokenInput,
  listCustomersInput,
  updatePaymentMethodInput,
} from '../src/index.js';
import {
  freeText,
  freeTextEmail,
  hasControlCharacter,
  hasLoneSurrogate,
  inputString,
  inputUrl,
  textMessages,
} from '../src/text.js';
import { luhnNumber, testCards } from './card/arbitraries.js';

const messagesOf = (r: { success: boolean; error?: { issues: { message: string }[] } }) =>
  r.error?.issues.map((i) => i.message) ?? [];

describe('hasControlCharacter / hasLoneSurrogate', () => {
  it('finds every C0 control and DEL, and nothing else', () => {
    for (let c = 0; c < 0x20; c++) expect(hasControlCharacter(`a${String.fromCharCode(c)}b`)).toBe(true);
    expect(hasControlCharacter('a\u007fb')).toBe(true);
    expect(hasControlCharacter('Zoë Ñúñez-O’Brien 東京 😀')).toBe(false);
  });

  it('finds unpaired surrogates but accepts pairs', () => {
    expect(hasLoneSurrogate('\ud800')).toBe(true);
    expect(hasLoneSurrogate('a\udc00')).toBe(true);
    expect(hasLoneSurrogate('\ud83d\ude00\ud83d')).toBe(true);
    expect(hasLoneSurrogate('\ude00\ud83d')).toBe(true);
    expect(hasLoneSurrogate('ok \ud83d\ude00 ok')).toBe(false);
  });

  it('property: agrees with String.prototype.isWellFormed', () => {
    const isWellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-composite' }), (a, b) => {
        expect(hasLoneSurrogate(a)).toBe(!isWellFormed(a));
        expect(hasLoneSurrogate(b)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('containsCardNumber', () => {
  it('finds a Luhn-valid 13–19 digit run, typed with spaces or dashes or none', () => {
    expect(containsCardNumber(testCards.visa)).toBe(true);
    expect(containsCardNumber('4242 4242 4242 4242')).toBe(true);
    expect(containsCardNumber('card: 4242-4242-4242-4242, exp 12/30')).toBe(true);
    expect(containsCardNumber(`amex ${testCards.amex}`)).toBe(true);
    expect(containsCardNumber(testCards.unionpay19)).toBe(true);
    // After another group of digits, on a group boundary.
    expect(containsCardNumber('ref 12 4242 4242 4242 4242')).toBe(true);
  });

  it('leaves ordinary text, short numbers and Luhn-invalid runs alone', () => {
    expect(containsCardNumber('Jane Doe, 221B Baker Street')).toBe(false);
    expect(containsCardNumber('+1 555 0100 1234')).toBe(false);
    expect(containsCardNumber('4242424242424241')).toBe(false);
    // 12 digits: a Luhn-valid 12-digit run is not refused (phone numbers, order numbers).
    const twelve = `42424242424${luhnCheckDigit('42424242424')}`;
    expect(isLuhnValid(twelve)).toBe(true);
    expect(containsCardNumber(twelve)).toBe(false);
    expect(containsCardNumber('')).toBe(false);
  });

  it('property: any Luhn-valid 13–19 digit number inside text is found', () => {
    fc.assert(
      fc.property(
        luhnNumber.filter((n) => n.length >= 13),
        fc.string().map((s) => s.replace(/[\d -]/g, 'x')),
        fc.constantFrom('', ' ', '-'),
        (n, around, sep) => {
          const typed = sep ? (n.match(/.{1,4}/g) ?? []).join(sep) : n;
          expect(containsCardNumber(`${around} ${typed} ${around}`)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('inputString / freeText', () => {
  it('refuses NUL, tab, newline and lone surrogates on the raw value, before trimming', () => {
    for (const bad of ['a\u0000b', ' Jane\n', '\tJane', 'a\u007f', 'a\ud800', '\udfff']) {
      expect(inputString().trim().safeParse(bad).success, JSON.stringify(bad)).toBe(false);
      expect(freeText().trim().safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(messagesOf(inputString().safeParse('a\u0000'))).toEqual([textMessages.control]);
    expect(messagesOf(inputString().safeParse('a\ud800'))).toEqual([textMessages.surrogate]);
    expect(freeText().trim().max(20).parse('  Zoë 😀  ')).toBe('Zoë 😀');
  });

  it('free text refuses a card number with a message that does not echo it', () => {
    const r = freeText().safeParse(`pay with ${testCards.visa}`);
    expect(messagesOf(r)).toEqual([textMessages.cardNumber]);
    expect(JSON.stringify(r.error)).not.toContain('4242');
    expect(messagesOf(freeTextEmail().safeParse(`${testCards.visa}@example.com`))).toEqual([
      textMessages.cardNumber,
    ]);
    // Machine strings (tokens, ids) are not free text.
    expect(inputString().safeParse(testCards.visa).success).toBe(true);
  });

  it('URLs are checked before the URL parser silently drops tabs and newlines', () => {
    expect(inputUrl().safeParse('http://exa\nmple.com').success).toBe(false);
    expect(inputUrl().safeParse('http://127.0.0.1:12111').success).toBe(true);
  });
});

describe('input schemas use them', () => {
  it('name the field of a NUL, a lone surrogate or a card number', () => {
    const paths = (r: { error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
      r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(paths(createCustomerInput.safeParse({ firstName: 'a\u0000' }))).toEqual([
      `firstName: ${textMessages.control}`,
    ]);
    expect(paths(createCustomerInput.safeParse({ reference: testCards.mastercard }))).toEqual([
      `reference: ${textMessages.cardNumber}`,
    ]);
    expect(
      paths(createFromTokenInput.safeParse({ customerId: 1, token: 'tok_visa', lastName: 'x\ud800' })),
    ).toEqual([`lastName: ${textMessages.surrogate}`]);
    expect(paths(createFromTokenInput.safeParse({ customerId: 1, token: 'tok_visa\u0000' }))?.[0]).toBe(
      `token: ${textMessages.control}`,
    );
  });

  it('bound cursors and int4 columns', () => {
    expect(listCustomersInput.safeParse({ startingAfter: 2 ** 31 }).success).toBe(false);
    expect(listCustomersInput.safeParse({ endingBefore: 2 ** 31 - 1 }).success).toBe(true);
    expect(updatePaymentMethodInput.safeParse({ id: 1, stateId: 2 ** 31 }).success).toBe(false);
  });
});
