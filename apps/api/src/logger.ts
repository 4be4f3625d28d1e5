import { scrubCardNumbers } from '@cardbridge/core';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** Field names that may carry card data or credentials, wherever they appear in a log object. */
const redactPaths = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  '*.authorization',
  'cardNumber',
  '*.cardNumber',
  '*.*.cardNumber',
  'cvv',
  '*.cvv',
  '*.*.cvv',
  'cvc',
  '*.cvc',
  'secret',
  '*.secret',
  'secretKey',
  '*.secretKey',
  'apiKey',
  '*.apiKey',
];

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubCardNumbers(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v, depth + 1);
  return out;
}

/**
 * pino with redaction of card fields and auth headers, plus a last resort that masks any
 * Luhn-valid run of 12–19 digits in messages and string fields (RELIABILITY "Card data").
 */
export function createLogger(opts: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      formatters: { log: (obj) => scrubDeep(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? scrubCardNumbers(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    opts.destination,
  );
}
