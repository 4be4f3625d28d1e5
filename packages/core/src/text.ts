import { z } from 'zod';
import { containsCardNumber } from './card/mask.js';

/*
 * The building blocks of every string an API caller sends us. Each string input field of
 * every procedure starts from `inputString()` (machine values: ids, tokens, keys, URLs) or
 * `freeText()` (what a person types: names, address lines, reference, email…).
 *
 * Why: PostgreSQL refuses NUL in text (a 500 instead of a 400), a lone UTF-16 surrogate
 * cannot be encoded as UTF-8 (Stripe's SDK and our JSON answers choke on it), and no name,
 * address, key or id has a reason to hold a tab, newline or other control character. A card
 * number typed into a free-text field would be stored and echoed in clear, outside the vault.
 *
 * Messages never contain the input: the field is named by the path.
 */

export const textMessages = {
  control: 'must not contain control characters',
  surrogate: 'must be valid Unicode (it contains an unpaired surrogate)',
  cardNumber: 'looks like a card number',
} as const;

/** U+0000–U+001F (tab and newline included) and U+007F. */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
export function hasLoneSurrogate(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1); // NaN past the end
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/**
 * Checks on the raw value, before any `.trim()` that follows, so a trailing newline is refused
 * rather than silently dropped. `abort` stops at the first failure: one clear message per field.
 */
function withSafeChecks<T extends z.ZodType<string>>(schema: T): T {
  return schema
    .refine((v) => !hasControlCharacter(v), { message: textMessages.control, abort: true })
    .refine((v) => !hasLoneSurrogate(v), { message: textMessages.surrogate, abort: true }) as T;
}

function withoutCardNumbers<T extends z.ZodType<string>>(schema: T): T {
  return schema.refine((v) => !containsCardNumber(v), { message: textMessages.cardNumber, abort: true }) as T;
}

/** Any string input: no control characters, no lone surrogates. Chain `.trim()`, `.max()`, `.regex()`… */
export const inputString = () => withSafeChecks(z.string());

/** Text a person types: an `inputString` that also refuses anything that looks like a card number. */
export const freeText = () => withoutCardNumbers(inputString());

/** An email address as free text (an email's local part can be typed digits too). */
export const freeTextEmail = () => withoutCardNumbers(withSafeChecks(z.email()));

/**
 * An http(s) URL. The safe checks run on the raw value, before the URL check: the URL parser
 * silently drops tabs and newlines, so checking its output would let them through.
 */
export const inputUrl = () => inputString().pipe(z.url({ protocol: /^https?$/ }));
