import { idSchema } from '@cardbridge/core';
import { z } from 'zod';
import { errorEnvelopeSchema } from './errors.js';
import type { AnyRestRoute, ParamDoc } from './routes.js';
import type { StreamRoute } from './stream-routes.js';

type JsonSchema = Record<string, unknown>;

/** zod v4's native JSON Schema (draft 2020-12, which OpenAPI 3.1 uses as is). */
function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function pathParamNames(template: string): string[] {
  return [...template.matchAll(/\{([^}/]+)\}/g)].map((m) => m[1]!);
}

const errorRef = { $ref: '#/components/schemas/FusebillError' };
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorRef } },
});

function parameter(name: string, where: 'path' | 'query', doc: ParamDoc) {
  return {
    name,
    in: where,
    required: where === 'path' ? true : (doc.required ?? false),
    ...(doc.description ? { description: doc.description } : {}),
    schema: jsonSchemaOf(doc.schema, 'input'),
  };
}

/** Path parameters (each `{name}` not documented is an integer id) and query parameters. */
function parametersOf(route: {
  path: string;
  params?: Record<string, ParamDoc>;
  query?: Record<string, ParamDoc>;
}) {
  const params = pathParamNames(route.path).map((name) =>
    parameter(name, 'path', route.params?.[name] ?? { schema: idSchema, description: `The ${name}.` }),
  );
  const query = Object.entries(route.query ?? {}).map(([name, doc]) => parameter(name, 'query', doc));
  return [...params, ...query];
}

const errorResponses = {
  '400': { $ref: '#/components/responses/BadRequest' },
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Forbidden' },
  '404': { $ref: '#/components/responses/NotFound' },
  default: { $ref: '#/components/responses/Error' },
};

function operation(route: AnyRestRoute) {
  const status = String(route.successStatus ?? 200);
  const parameters = parametersOf(route);
  const headers = Object.fromEntries(
    Object.entries(route.responseHeaders ?? {}).map(([name, h]) => [
      name,
      { description: h.description, schema: { type: 'string' } },
    ]),
  );
  return {
    operationId: route.operationId ?? route.procedure,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag ?? 'Payment methods'],
    'x-trpc-procedure': route.procedure,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.requestSchema
      ? {
          requestBody: {
            required: true,
            description:
              'JSON. Relaxed JSON as in the seed examples (unquoted keys, single quotes) is accepted too. ' +
              'As Fusebill does, keys match case-insensitively (`CustomerId`, `customerid`) at every ' +
              'level and unknown keys are ignored; `null` for an optional field means absent. The same ' +
              'key sent twice in different cases with different values is a 400 naming the field.',
            content: { 'application/json': { schema: jsonSchemaOf(route.requestSchema, 'input') } },
          },
        }
      : {}),
    responses: {
      [status]: {
        description: 'Success.',
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        content: { 'application/json': { schema: jsonSchemaOf(route.responseSchema, 'output') } },
      },
      ...errorResponses,
    },
  };
}

/** A route whose body or answer is a file: its media types, and the stream operation it runs. */
function streamOperation(route: StreamRoute) {
  const parameters = parametersOf(route);
  const { response } = route;
  const headers = Object.fromEntries(
    Object.entries(response.headers ?? {}).map(([name, description]) => [
      name,
      { description, schema: { type: 'string' } },
    ]),
  );
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: ['Migrations'],
    'x-cardbridge-operation': route.operation,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.requestBody
      ? {
          requestBody: {
            required: true,
            description: route.requestBody.description,
            content: Object.fromEntries(
              route.requestBody.mediaTypes.map((type) => [
                type,
                { schema: { type: 'string', format: 'binary' } },
              ]),
            ),
          },
        }
      : {}),
    responses: {
      [String(response.status)]: {
        description: response.description,
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        content: {
          [response.mediaType]: {
            schema: response.schema ? jsonSchemaOf(response.schema, 'output') : { type: 'string' },
          },
        },
      },
      ...errorResponses,
    },
  };
}

/** The OpenAPI 3.1 document of the REST facade, generated from the route tables. */
export function buildOpenApiDocument(
  routes: readonly AnyRestRoute[],
  opts: { version?: string; streams?: readonly StreamRoute[] } = {},
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route);
  }
  for (const route of opts.streams ?? []) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = streamOperation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'cardbridge Fusebill-compatible REST API',
      version: opts.version ?? '0.1.0',
      description:
        'Credit-card payment methods with Fusebill field names, and bulk migration jobs. Every JSON route ' +
        'calls the same tRPC procedure as /trpc (named in `x-trpc-procedure`), so authentication, scopes, ' +
        "validation and errors are identical; the routes whose body or answer is a file (a job's source " +
        'file, its report and id map) run a stream operation of the same scope table ' +
        '(`x-cardbridge-operation`). Errors use the Fusebill envelope `FusebillError`.',
    },
    servers: [{ url: '/' }],
    security: [{ basicAuth: [] }],
    paths,
    components: {
      schemas: { FusebillError: jsonSchemaOf(errorEnvelopeSchema, 'output') },
      responses: {
        BadRequest: errorResponse(
          'Invalid input (one `Errors` entry per field), malformed JSON, or a rule broken.',
        ),
        Unauthorized: errorResponse('Missing or invalid API key.'),
        Forbidden: errorResponse('The API key lacks the scope this route needs.'),
        NotFound: errorResponse(
          'No such customer, payment method or migration job (in this tenant), or no such route.',
        ),
        Error: errorResponse('Any other error, in the same envelope (405, 409, 413, 415, 5xx, …).'),
      },
      securitySchemes: {
        basicAuth: {
          type: 'http',
          scheme: 'basic',
          description:
            'The seeds send the raw API key after `Basic ` (not base64-encoded, no colon): ' +
            '`Authorization: Basic cbk_…`. The standard form `Basic base64(<key>:)` and ' +
            '`Authorization: Bearer <key>` are accepted as well.',
        },
      },
    },
  };
}
