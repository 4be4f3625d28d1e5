import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';
import { stripeFixture } from './helpers.js';

/**
 * Validators from Stripe's OpenAPI subset (API 2023-08-16; `nullable` → type unions, extra
 * properties allowed) and the keys of Stripe's own fixture objects, for every test that
 * checks a response shape.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const SPEC = 'stripe-card-subset';

function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || (key === 'additionalProperties' && value === false)) continue;
    out[key] = key === '$ref' && typeof value === 'string' ? `${SPEC}${value}` : toJsonSchema(value);
  }
  if (node.nullable !== true) return out;
  if (typeof out.$ref === 'string') return { anyOf: [{ $ref: out.$ref }, { type: 'null' }] };
  if (typeof out.type === 'string') out.type = [out.type, 'null'];
  else if (Array.isArray(out.anyOf)) out.anyOf = [...out.anyOf, { type: 'null' }];
  if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  return out;
}

export const spec = JSON.parse(readFileSync(stripeFixture('stripe-card-subset.json'), 'utf8')) as {
  [key: string]: Json;
};
const fixtures = JSON.parse(readFileSync(stripeFixture('stripe-card-fixtures.json'), 'utf8')) as {
  resources: Record<string, Record<string, unknown>>;
};

const ajv = new Ajv({ strict: false, allErrors: true });
(addFormatsModule as unknown as (a: Ajv) => Ajv)(ajv);
ajv.addFormat('unix-time', { type: 'number', validate: (n: number) => Number.isInteger(n) });
const converted = toJsonSchema(spec) as { [key: string]: Json };
ajv.addSchema({ $id: SPEC, components: converted.components ?? {}, paths: converted.paths ?? {} });

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
function schema(ref: string): ValidateFunction {
  const validate = ajv.getSchema(ref);
  if (!validate) throw new Error(`no schema at ${ref}`);
  return validate;
}
export const component = (name: string) => schema(`${SPEC}#/components/schemas/${name}`);
export const response = (method: string, path: string) =>
  schema(
    `${SPEC}#/paths/${pointer(path, method.toLowerCase())}/responses/200/content/${pointer('application/json')}/schema`,
  );

export function expectValid(validate: ValidateFunction, body: unknown, label: string) {
  const ok = validate(body);
  expect(ok, `${label}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`).toBe(true);
}

/** Every key the fixture has is present in the response, recursively into nested objects. */
function missingKeys(fixture: unknown, actual: unknown, at = ''): string[] {
  if (typeof fixture !== 'object' || fixture === null || Array.isArray(fixture)) return [];
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(fixture)) {
    if (!(key in actual)) out.push(`${at}${key}`);
    else out.push(...missingKeys(value, (actual as Record<string, unknown>)[key], `${at}${key}.`));
  }
  return out;
}

export function expectFixtureKeys(name: string, actual: unknown) {
  const fixture = fixtures.resources[name];
  expect(fixture, `fixture ${name}`).toBeDefined();
  expect(missingKeys(fixture, actual), `${name} keys missing`).toEqual([]);
}
