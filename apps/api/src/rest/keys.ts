/**
 * Fusebill's own API (ASP.NET) binds a JSON body the way .NET does: property names match
 * case-insensitively and unknown properties are ignored. Its clients rely on that: .NET
 * serializers send PascalCase (`CustomerId`, `CardNumber`) and echo the DTO's `"Id": 0` and
 * `"uri": null`; Python scripts send whatever dictionary they built. The procedures behind
 * the facade are strict (tRPC refuses an unknown key, and must keep doing so), so the facade
 * translates once, at body intake, before the procedure parses the input:
 *
 *   - each body key is matched onto the schema's keys, exactly first, else case-insensitively;
 *   - a key the schema does not know is dropped;
 *   - `null` for a field that is optional but not nullable means "absent" (.NET writes null
 *     for every unset property) and is dropped too;
 *   - nested objects (e.g. `paymentCollectOptions`) and arrays of objects get the same treatment
 *     against their own schema; an object of a discriminated union (a migration job's `source`)
 *     against the option its discriminator names (`kind`, itself matched case-insensitively);
 *   - two keys that land on the same field with different values (`cardNumber` and
 *     `CardNumber`) are a 400 naming the field — never its values (card numbers).
 *
 * Values are not touched otherwise: coercions (`"12"` → 12) stay in the routes' `toInput`,
 * and validation stays the procedure's.
 */
import { DomainError, type FieldIssue } from '@cardbridge/core';
import type { z } from 'zod';
import { isPlainObject } from './coerce.js';

type Shape = Record<string, z.ZodType>;

/** What zod v4 keeps in `_zod.def` for the wrappers we look through. */
interface DefLike {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  shape?: Shape;
  getter?: () => z.ZodType;
  /** A discriminated union's options and the key that tells them apart. */
  options?: z.ZodType[];
  discriminator?: string;
}

const defOf = (schema: z.ZodType): DefLike => (schema as unknown as { _zod: { def: DefLike } })._zod.def;

const wrappers = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/** The schema under optional/nullable/default/… and a pipe's input side. */
function unwrap(schema: z.ZodType, depth = 0): z.ZodType {
  if (depth > 20) return schema;
  const def = defOf(schema);
  if (wrappers.has(def.type) && def.innerType) return unwrap(def.innerType, depth + 1);
  if (def.type === 'pipe' && def.in) return unwrap(def.in, depth + 1);
  if (def.type === 'lazy' && def.getter) return unwrap(def.getter(), depth + 1);
  return schema;
}

/** The object shape a schema accepts (through wrappers and refinements), if it is an object. */
function objectShapeOf(schema: z.ZodType): Shape | undefined {
  const inner = unwrap(schema);
  const def = defOf(inner);
  return def.type === 'object' ? (def.shape ?? (inner as unknown as { shape: Shape }).shape) : undefined;
}

const accepts = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;

/** Structural equality of parsed JSON values (for keys sent twice with the same value). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]))
    );
  }
  return false;
}

/**
 * The option of a discriminated union (a job's `source`) that `value` names, its discriminator
 * key matched case-insensitively like any other (`{"Kind":"stripe_account"}`).
 */
function unionOptionShape(schema: z.ZodType, value: Record<string, unknown>): Shape | undefined {
  const { options, discriminator } = defOf(unwrap(schema));
  if (!options || !discriminator) return undefined;
  const sent = Object.keys(value).find((k) => k.toLowerCase() === discriminator.toLowerCase());
  if (sent === undefined) return undefined;
  for (const option of options) {
    const shape = objectShapeOf(option);
    const tag = shape?.[discriminator];
    if (shape && tag && accepts(tag, value[sent])) return shape;
  }
  return undefined;
}

function normalizeValue(value: unknown, schema: z.ZodType, path: string, issues: FieldIssue[]): unknown {
  const shape = objectShapeOf(schema) ?? (isPlainObject(value) ? unionOptionShape(schema, value) : undefined);
  if (shape && isPlainObject(value)) return normalizeObject(value, shape, path, issues);
  const def = defOf(unwrap(schema));
  if (def.type === 'array' && def.element && Array.isArray(value)) {
    const element = def.element;
    return value.map((v, i) => normalizeValue(v, element, `${path}.${i}`, issues));
  }
  return value;
}

function normalizeObject(
  body: Record<string, unknown>,
  shape: Shape,
  prefix: string,
  issues: FieldIssue[],
): Record<string, unknown> {
  const byLowerCase = new Map<string, string>();
  for (const key of Object.keys(shape)) {
    const lower = key.toLowerCase();
    // Two schema keys equal but for case: only exact matches reach them.
    byLowerCase.set(lower, byLowerCase.has(lower) ? '' : key);
  }
  const out: Record<string, unknown> = {};
  const sentAs = new Map<string, string>();
  for (const [sent, raw] of Object.entries(body)) {
    const key = Object.hasOwn(shape, sent) ? sent : byLowerCase.get(sent.toLowerCase());
    if (!key) continue; // unknown: ignored, as Fusebill does
    const field = shape[key]!;
    const path = prefix ? `${prefix}.${key}` : key;
    // `null` for an optional field that cannot be null: the .NET way of leaving it out.
    const absent = raw === null && !accepts(field, null) && accepts(field, undefined);
    const value = absent ? undefined : normalizeValue(raw, field, path, issues);
    const first = sentAs.get(key);
    if (first !== undefined) {
      if (!sameJson(out[key], value)) {
        issues.push({
          path,
          message: `sent twice with different values ('${first}' and '${sent}'); keys match case-insensitively`,
        });
      }
      continue;
    }
    sentAs.set(key, sent);
    out[key] = value;
  }
  for (const [key, value] of Object.entries(out)) if (value === undefined) delete out[key];
  return out;
}

/**
 * `body` with its keys mapped onto `schema`'s (see above). A body that is not an object, or a
 * schema that is not an object schema, is returned unchanged for the procedure to judge.
 * Throws a VALIDATION_FAILED DomainError (400) naming each field sent twice with different values.
 */
export function matchBodyKeys(body: unknown, schema: z.ZodType | undefined): unknown {
  if (!schema || !isPlainObject(body)) return body;
  const shape = objectShapeOf(schema);
  if (!shape) return body;
  const issues: FieldIssue[] = [];
  const out = normalizeObject(body, shape, '', issues);
  if (issues.length > 0) throw DomainError.validation(issues);
  return out;
}
