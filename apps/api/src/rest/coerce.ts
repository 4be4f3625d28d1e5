/**
 * Small, honest coercions for the REST facade's `toInput` functions.
 *
 * Fusebill-style clients send path and query values as strings, and some send JSON bodies
 * with numbers and booleans as strings (the seed's Python example: `"isDefault":"false"`)
 * and `None` → `null` for fields they do not mean to set. These helpers turn exactly those
 * forms into what the procedure's zod schema expects, and nothing else: a value that is not
 * cleanly an integer or a boolean is passed through unchanged, so the procedure's schema
 * rejects it with its usual field error ("12abc" stays "12abc"; it never becomes 12).
 */

const integerText = /^-?\d+$/;

/** `"186838"` → `186838`. Numbers and anything that is not a plain decimal integer pass through. */
export function toInt(value: unknown): unknown {
  if (typeof value !== 'string' || !integerText.test(value)) return value;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

/** `"true"` / `"false"` (any case, as .NET writes `True`) → boolean. Anything else passes through. */
export function toBool(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return value;
}

/** `null` → `undefined` (omitted), for optional fields a client sends as `null`/`None`. */
export function nullToUndefined(value: unknown): unknown {
  return value === null ? undefined : value;
}

export type Coercion = (value: unknown) => unknown;

/** A JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Applies `coercions` to the named fields of `body` and returns a new object with the other
 * fields untouched (so the procedure's strict schema still reports unknown keys). Fields
 * whose coerced value is `undefined` are left out. A body that is not an object is
 * returned unchanged, for the schema to reject.
 *
 * `coerceFields({ customerId: '1', isDefault: 'false' }, { customerId: toInt, isDefault: toBool })`
 * → `{ customerId: 1, isDefault: false }`.
 */
export function coerceFields(body: unknown, coercions: Record<string, Coercion>): unknown {
  if (body === undefined) return {};
  if (!isPlainObject(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const coerce = Object.hasOwn(coercions, key) ? coercions[key] : undefined;
    const next = coerce ? coerce(value) : value;
    if (next !== undefined) out[key] = next;
  }
  return out;
}

/** Composes coercions left to right: `pipe(nullToUndefined, toInt)`. */
function pipe(...steps: Coercion[]): Coercion {
  return (value) => steps.reduce((v, step) => step(v), value);
}

/** Optional integer field: `null` → omitted, `"12"` → 12. */
export const optionalInt: Coercion = pipe(nullToUndefined, toInt);
/** Optional boolean field: `null` → omitted, `"false"` → false. */
export const optionalBool: Coercion = pipe(nullToUndefined, toBool);

/** A copy of `body` without `keys` (e.g. read-only DTO fields a GET/PUT client echoes back). */
export function omitKeys(body: unknown, keys: readonly string[]): unknown {
  if (!isPlainObject(body)) return body;
  const drop = new Set(keys);
  return Object.fromEntries(Object.entries(body).filter(([k]) => !drop.has(k)));
}
