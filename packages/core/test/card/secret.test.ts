import { Console } from 'node:console';
import { Writable } from 'node:stream';
import util from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cvv, isSecret, Pan, SECRET_SERIALISATION_MESSAGE } from '../../src/card/index.js';
import { luhnCheckDigit } from '../../src/card/luhn.js';
import { DomainError, isDomainError } from '../../src/errors.js';
import { digits, testCards } from './arbitraries.js';

const VISA = testCards.visa;

/** Everything `fn` writes through a real Console (console.log / console.error / console.dir …). */
function captureConsole(fn: (c: Console) => void): string {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  fn(new Console({ stdout: sink, stderr: sink, colorMode: false }));
  return out;
}

/** The error `fn` throws (fails the test when it does not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  expect.unreachable('expected a throw');
}

/** Every string an error could show (stack frames aside): message, toString, JSON of its details. */
function errorText(e: unknown): string {
  const err = e as DomainError;
  return [
    err.message,
    String(err),
    JSON.stringify(err.details),
    util.inspect(err.details, { depth: 10 }),
  ].join('\n');
}

describe('Pan', () => {
  const pan = Pan.parse(VISA);

  it('parses and exposes only safe properties', () => {
    expect(pan.brand).toBe('Visa');
    expect(pan.last4).toBe('4242');
    expect(pan.bin).toBe('424242');
    expect(pan.length).toBe(16);
    expect(pan.masked).toBe('************4242');
    expect(pan.reveal()).toBe(VISA);
    expect(Pan.isPan(pan)).toBe(true);
    expect(isSecret(pan)).toBe(true);
  });

  it('strips spaces and dashes', () => {
    expect(Pan.parse('4242 4242 4242 4242').reveal()).toBe(VISA);
    expect(Pan.parse(' 4242-4242-4242-4242 ').reveal()).toBe(VISA);
    const amex = Pan.parse('3782 822463 10005');
    expect(amex.brand).toBe('AmericanExpress');
    expect(amex.masked).toBe('***********0005');
  });

  it('parses every Stripe test card', () => {
    for (const n of Object.values(testCards)) expect(Pan.parse(n).reveal()).toBe(n);
  });

  it('JSON.stringify throws, alone and nested', () => {
    for (const value of [pan, { card: pan }, [pan], { a: { b: { pan } } }]) {
      const e = thrown(() => JSON.stringify(value));
      expect(isDomainError(e) && e.code).toBe('INTERNAL');
      expect((e as Error).message).toBe(SECRET_SERIALISATION_MESSAGE);
      expect(errorText(e)).not.toContain(VISA);
    }
  });

  it('valueOf throws, so arithmetic and default-hint concatenation fail loudly', () => {
    expect(() => pan.valueOf()).toThrow(DomainError);
    expect(() => `${pan.valueOf()}`).toThrow(SECRET_SERIALISATION_MESSAGE);
    // biome-ignore lint/style/useTemplate: the `+` operator is what is being tested
    expect(() => '' + (pan as unknown as string)).toThrow(DomainError);
    expect(() => +(pan as unknown as number)).toThrow(DomainError);
  });

  it('string conversions show the mask', () => {
    expect(`${pan}`).toBe('************4242');
    expect(String(pan)).toBe('************4242');
    expect(pan.toString()).toBe('************4242');
    expect(pan.toLocaleString()).toBe('************4242');
    expect([pan].join(',')).toBe('************4242');
  });

  it('util.inspect shows Pan(masked), at any depth and with showHidden', () => {
    expect(util.inspect(pan)).toBe('Pan(************4242)');
    for (const text of [
      util.inspect({ deep: { card: pan } }, { depth: 10, showHidden: true }),
      util.inspect(new Map([['k', pan]])),
      util.inspect([pan, new Set([pan])]),
    ]) {
      expect(text).toContain('Pan(************4242)');
      expect(text).not.toContain(VISA);
    }
  });

  it('console-style formatting never shows the digits', () => {
    const formatted = [
      util.format('%s', pan),
      util.format('%o', pan),
      util.format('%O', pan),
      util.format('card', pan, { pan }),
    ];
    for (const text of formatted) expect(text).not.toContain(VISA);
    expect(() => util.format('%j', pan)).toThrow(SECRET_SERIALISATION_MESSAGE);

    const out = captureConsole((c) => {
      c.log(pan);
      c.log('card %s', pan);
      c.log({ pan });
      c.error('failed for', pan);
      c.dir(pan, { showHidden: true, depth: null });
      c.table([{ pan }]);
    });
    expect(out).toContain('Pan(************4242)');
    expect(out).not.toContain(VISA);
    expect(out).not.toMatch(/\d{5,}/); // console.dir skips custom inspect: the getters are not evaluated
  });

  it('has no own keys: Object.keys/entries, spread, assign, structuredClone find nothing', () => {
    expect(Object.keys(pan)).toEqual([]);
    expect(Object.entries(pan)).toEqual([]);
    expect(Object.getOwnPropertyNames(pan)).toEqual([]);
    expect(Reflect.ownKeys(pan)).toEqual([]);
    expect({ ...pan }).toEqual({});
    expect(Object.assign({}, pan)).toEqual({});
    const cloned = structuredClone(pan) as unknown;
    expect(cloned).toEqual({});
    expect(cloned instanceof Pan).toBe(false);
    const keys: string[] = [];
    for (const k in pan) keys.push(k);
    expect(keys).toEqual([]);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(pan)).toBe(true);
    expect(() => {
      (pan as unknown as Record<string, unknown>).extra = 1;
    }).toThrow(TypeError);
  });

  it('equals compares card numbers', () => {
    expect(pan.equals(Pan.parse('4242 4242 4242 4242'))).toBe(true);
    expect(pan.equals(Pan.parse(testCards.visaDebit))).toBe(false);
    expect(pan.equals(Pan.parse(testCards.amex))).toBe(false);
    expect(pan.equals(Cvv.parse('123') as unknown as Pan)).toBe(false);
  });

  describe('parse errors', () => {
    const cases: Array<[string, string]> = [
      ['4242424242424241', 'failed the Luhn check'],
      ['4242 4242 4242 424x', 'only digits'],
      ['42424242424', '12 to 19 digits'],
      ['42424242424242424242', '12 to 19 digits'],
      ['', 'required'],
      ['  ', 'required'],
    ];
    for (const [input, fragment] of cases) {
      it(`rejects with a field error: ${fragment} (${input.length} chars)`, () => {
        const e = thrown(() => Pan.parse(input));
        expect(isDomainError(e) && e.code).toBe('VALIDATION_FAILED');
        const err = e as DomainError;
        expect(err.details.issues).toEqual([
          { path: 'cardNumber', message: expect.stringContaining(fragment) },
        ]);
        if (input.trim()) expect(errorText(e)).not.toContain(input.replace(/[\s-]/g, ''));
      });
    }

    it('uses the documented Luhn message and the given field name', () => {
      const e = thrown(() => Pan.parse('4242424242424241', 'card.number')) as DomainError;
      expect(e.message).toBe('Invalid input: card.number: card number is not valid (failed the Luhn check)');
      expect(e.details.issues?.[0]?.path).toBe('card.number');
    });

    it('rejects unsupported brands and lengths a brand does not issue', () => {
      const make = (prefix: string, length: number) => {
        const body = prefix.padEnd(length - 1, '0');
        return body + luhnCheckDigit(body);
      };
      expect(errorText(thrown(() => Pan.parse(make('9', 16))))).toContain('unsupported card brand');
      expect(errorText(thrown(() => Pan.parse(make('2200', 16))))).toContain('unsupported card brand'); // Mir
      expect(errorText(thrown(() => Pan.parse(make('37', 16))))).toContain('wrong length');
    });

    it('property: no parse error ever contains the input or any 4-digit run', () => {
      const badInput = fc.oneof(
        digits(6, 25), // wrong length or failed Luhn, mostly
        fc.tuple(digits(12, 19), fc.constantFrom('x', '.', '/', '_', 'O')).map(([d, c]) => d + c),
        fc.string({ minLength: 6, maxLength: 30 }),
      );
      fc.assert(
        fc.property(badInput, (input) => {
          let parsed: Pan | undefined;
          let error: unknown;
          try {
            parsed = Pan.parse(input);
          } catch (e) {
            error = e;
          }
          fc.pre(parsed === undefined);
          expect(isDomainError(error) && error.code).toBe('VALIDATION_FAILED');
          const text = errorText(error);
          expect(text).not.toContain(input);
          expect(text).not.toMatch(/\d{4}/);
        }),
        { numRuns: 1000 },
      );
    });
  });
});

describe('Cvv', () => {
  it('accepts 3 digits, or 4 for American Express', () => {
    expect(Cvv.parse('123').reveal()).toBe('123');
    expect(Cvv.parse('123', 'Visa').reveal()).toBe('123');
    expect(Cvv.parse('1234', 'AmericanExpress').reveal()).toBe('1234');
    expect(Cvv.parse(' 1234 ').reveal()).toBe('1234'); // brand not known yet: 3 or 4
    expect(Cvv.parse('012', 'MasterCard').reveal()).toBe('012');
  });

  it('rejects wrong lengths per brand and non-digits, without echoing the value', () => {
    const cases: Array<[string, Parameters<typeof Cvv.parse>[1], string]> = [
      ['1234', 'Visa', 'must be 3 digits'],
      ['123', 'AmericanExpress', 'must be 4 digits for American Express'],
      ['12345', undefined, 'must be 3 or 4 digits'],
      ['12', null, 'must be 3 or 4 digits'],
      ['12a', 'Visa', 'only digits'],
      ['', 'Visa', 'required'],
    ];
    for (const [input, type, fragment] of cases) {
      const e = thrown(() => Cvv.parse(input, type, 'card.cvv')) as DomainError;
      expect(e.code).toBe('VALIDATION_FAILED');
      expect(e.details.issues).toEqual([{ path: 'card.cvv', message: expect.stringContaining(fragment) }]);
      if (input.length > 1) expect(errorText(e)).not.toContain(input);
    }
  });

  it('property: no parse error contains any 2-digit run (so never the value)', () => {
    fc.assert(
      fc.property(
        fc.oneof(digits(0, 8), fc.string({ maxLength: 8 })),
        fc.constantFrom(undefined, 'Visa', 'AmericanExpress', 'JCB') as fc.Arbitrary<
          Parameters<typeof Cvv.parse>[1]
        >,
        (input, type) => {
          let error: unknown;
          try {
            Cvv.parse(input, type);
          } catch (e) {
            error = e;
          }
          fc.pre(error !== undefined);
          expect(errorText(error)).not.toMatch(/\d{2}/);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never shows its digits', () => {
    const cvv = Cvv.parse('987');
    expect(`${cvv}`).toBe('***');
    expect(util.inspect(cvv)).toBe('Cvv(***)');
    expect(util.inspect({ cvv }, { showHidden: true })).not.toContain('987');
    expect(util.format('%s %o %O', cvv, cvv, cvv)).not.toContain('987');
    expect(Cvv.parse('1234').masked).toBe('***');
    expect(() => JSON.stringify({ cvv })).toThrow(SECRET_SERIALISATION_MESSAGE);
    expect(() => cvv.valueOf()).toThrow(DomainError);
    expect(Object.keys(cvv)).toEqual([]);
    expect({ ...cvv }).toEqual({});
    expect(structuredClone(cvv)).toEqual({});
    const out = captureConsole((c) => {
      c.log(cvv);
      c.log('cvv=%s', cvv, { cvv });
    });
    expect(out).not.toContain('987');
  });

  it('equals compares values', () => {
    expect(Cvv.parse('123').equals(Cvv.parse('123'))).toBe(true);
    expect(Cvv.parse('123').equals(Cvv.parse('124'))).toBe(false);
    expect(Cvv.parse('123').equals(Cvv.parse('1234'))).toBe(false);
  });
});
