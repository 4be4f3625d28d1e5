import { randomInt } from 'node:crypto';
import { luhnCheckDigit } from '@cardbridge/core';

/**
 * Card numbers and CVVs made for one test run and used nowhere else, so a scan of logs and
 * tables for them cannot be fooled by a fixture that happens to contain the same digits.
 */
export const issuedCardNumbers: string[] = [];
export const issuedCvvs: string[] = [];

export function freshCardNumber(prefix = '4', length = 16): string {
  let body = prefix;
  while (body.length < length - 1) body += String(randomInt(10));
  const pan = body + luhnCheckDigit(body);
  issuedCardNumbers.push(pan);
  return pan;
}

export function freshCvv(digits = 3): string {
  // Digits 5–9 only: a CVV then never equals a small row id that legitimately sits in a table.
  const cvv = Array.from({ length: digits }, () => String(randomInt(5, 10))).join('');
  issuedCvvs.push(cvv);
  return cvv;
}
