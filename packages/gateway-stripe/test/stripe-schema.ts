import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readStripeFixture } from './shared.js';

/**
 * Validators from `stripe-card-subset.json` (in packages/stripe-emulator/test/fixtures/stripe:
 * a subset of Stripe's public OpenAPI 3.0 spec, https://github.com/stripe/openapi, API
 * 2023-08-16). OpenAPI's `nullable: true` becomes a JSON-Schema type union,
 * `additionalProperties: false` is dropped (fields Stripe added since 2023 are allowed),
 * Ajv runs with `strict: false` so the `x-…` extensions are ignored.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const SPEC_ID = 'stripe-card-subset';

/** OpenAPI 3.0 schema → JSON Schema (draft-07 flavour Ajv understands). */
export function openApiToJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(openApiToJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || (key === 'additionalProperties' && value === false)) continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/')) {
      out[key] = `${SPEC_ID}${value}`;
      continue;
    }
    out[key] = openApiToJsonSchema(value);
  }
  if (node.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type)) out.type = [...out.type, 'null'];
    else if (Array.isArray(out.anyOf)) out.anyOf = [...out.anyOf, { type: 'null' }];
    else if (Array.isArray(out.oneOf)) out.oneOf = [...out.oneOf, { type: 'null' }];
    else if (typeof out.$ref === 'string') return { anyOf: [{ $ref: out.$ref }, { type: 'null' }] };
    else if (Array.isArray(out.allOf)) return { anyOf: [{ allOf: out.allOf }, { type: 'null' }] };
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

export interface StripeSchemas {
  /** A component schema, e.g. 'card', 'payment_method', 'customer', 'token'. */
  component(name: string): ValidateFunction;
  /** The 200 response body of `method path` (path as in the spec, e.g. '/v1/customers/{customer}/sources'). */
  response(method: string, path: string): ValidateFunction;
  /** The form request body of `method path`. */
  requestBody(method: string, path: string): ValidateFunction;
  paths: string[];
}

let cached: StripeSchemas | undefined;

export function stripeSchemas(): StripeSchemas {
  if (cached) return cached;
  const spec = readStripeFixture<{ [key: string]: Json }>('stripe-card-subset.json');
  const converted = openApiToJsonSchema(spec) as { [key: string]: Json };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
  addFormats(ajv);
  // Stripe's own formats.
  ajv.addFormat('unix-time', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('decimal', { type: 'string', validate: (s: string) => /^-?\d+(\.\d+)?$/.test(s) });
  ajv.addSchema({ $id: SPEC_ID, components: converted.components ?? {}, paths: converted.paths ?? {} });
  const compile = (ref: string): ValidateFunction => {
    const validate = ajv.getSchema(ref);
    if (!validate) throw new Error(`no schema at ${ref}`);
    return validate;
  };
  const pointer = (...parts: string[]) =>
    parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
  cached = {
    component: (name) => compile(`${SPEC_ID}#/components/schemas/${pointer(name)}`),
    response: (method, path) =>
      compile(
        `${SPEC_ID}#/paths/${pointer(path, method.toLowerCase())}/responses/200/content/${pointer('application/json')}/schema`,
      ),
    requestBody: (method, path) =>
      compile(
        `${SPEC_ID}#/paths/${pointer(path, method.toLowerCase())}/requestBody/content/${pointer('application/x-www-form-urlencoded')}/schema`,
      ),
    paths: Object.keys((spec.paths as object) ?? {}),
  };
  return cached;
}

export const describeErrors = (validate: ValidateFunction): string =>
  (validate.errors ?? [])
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('\n');
