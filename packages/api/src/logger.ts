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

/**
 * A number is a card number as much as a string is: a cursor sent as a 16-digit Luhn-valid JSON
 * number is still one. Integers (and bigints) whose digits the scrubber would mask are logged
 * as the masked string.
 */
function scrubNumber(value: number | bigint): number | bigint | string {
  if (typeof value === 'number' && !Number.isInteger(value)) return value;
  const text = value.toString();
  const scrubbed = scrubCardNumbers(text);
  return scrubbed === text ? value : scrubbed;
}

/**
 * An Error's message and stack are not enumerable: copied field by field they would vanish
 * from the log (and escape the scrubber). Keep them, its own fields (drizzle's query and
 * params, pg's code…) and its cause, as plain data for the scrubber to walk.
 */
function errorFields(err: Error): Record<string, unknown> {
  return {
    type: err.name,
    message: err.message,
    stack: err.stack,
    ...Object.fromEntries(Object.entries(err)),
    ...(err.cause === undefined ? {} : { cause: err.cause }),
  };
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubCardNumbers(value);
  if (typeof value === 'number' || typeof value === 'bigint') return scrubNumber(value);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  // Not walked any deeper, so not logged either: unscrubbed data never reaches the log.
  if (depth > 6) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  const entries = value instanceof Error ? Object.entries(errorFields(value)) : Object.entries(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) out[k] = scrubDeep(v, depth + 1);
  return out;
}

/**
 * pino with redaction of card fields and auth headers, plus a last resort that masks any
 * Luhn-valid run of 12–19 digits in messages, string fields and integer fields
 * (docs/architecture.md, "What card data and its owners are owed"). Errors are logged with their message, stack, own fields and cause.
 */
export function createLogger(opts: { level: string; destination?: DestinationStream }): Logger {
  // stdout by default, written asynchronously: a request's log line no longer costs the event
  // loop a blocking write() (README "HTTP benchmark"). pino flushes what is buffered when the
  // process exits (process.exit included); only a SIGKILL can lose the last lines.
  const destination = opts.destination ?? pino.destination({ dest: 1, sync: false });
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
    destination,
  );
}
