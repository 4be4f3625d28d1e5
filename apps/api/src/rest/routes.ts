/**
 * The Fusebill-compatible REST facade: one declarative table of routes, each naming the tRPC
 * procedure it calls. The handler (`handler.ts`) calls that very procedure through
 * `appRouter.createCaller`, so auth, scopes, input validation, audit and domain errors are
 * the tRPC endpoint's own; a route only translates the request into the procedure's input
 * and the output into the Fusebill response. There is no second implementation of anything.
 *
 * Why not trpc-to-openapi (installed): its error responses have their own shape and cannot
 * produce the seeds' envelope `{"ErrorId":0,"HttpStatusCode":…,"Errors":[…]}`, nor Fusebill's
 * bare-array lists and relaxed-JSON bodies. This small table is the "or equal" the issue
 * allows; the OpenAPI document is still generated from it and from the zod schemas.
 *
 * Adding a route is one `defineRoute({...})` entry below:
 *   - `path` is an OpenAPI template; `{name}` segments arrive as strings in `req.params`;
 *   - `toInput` builds the procedure input with the helpers of `coerce.ts` and must not
 *     validate: invalid values are passed through for the procedure's schema to reject;
 *   - `toResponse` maps the output (typed from the procedure) to the Fusebill shape;
 *   - `requestSchema` / `responseSchema` / `query` / `params` feed `/openapi.json` only.
 */

import type { AppRouter } from '@cardbridge/api';
import {
  createCardInput,
  DomainError,
  deletedPaymentMethodDto,
  idSchema,
  importStripeCardInput,
  notFound,
  paginationInput,
  replaceCreditCardInput,
} from '@cardbridge/core';
import type { inferRouterOutputs } from '@trpc/server';
import { z } from 'zod';
import type { RestCaller } from './caller.js';
import {
  coerceFields,
  isPlainObject,
  nullToUndefined,
  optionalBool,
  optionalInt,
  toBool,
  toInt,
} from './coerce.js';
import {
  fusebillCardWriteResult,
  fusebillPaymentMethodDto,
  toFusebillCardWrite,
  toFusebillPaymentMethod,
} from './fusebill-dto.js';

/** The seed's Python body sends numbers and booleans as strings and absent values as None. */
const cardFieldCoercions = {
  customerId: toInt,
  expirationMonth: toInt,
  expirationYear: toInt,
  countryId: optionalInt,
  stateId: optionalInt,
  isDefault: optionalBool,
  verify: optionalBool,
  address1: nullToUndefined,
  address2: nullToUndefined,
  city: nullToUndefined,
  postalZip: nullToUndefined,
};

type Outputs = inferRouterOutputs<AppRouter>;

/** `'paymentMethods.list'` and every other procedure of the app router. */
export type ProcedurePath = {
  [N in keyof Outputs & string]: `${N}.${keyof Outputs[N] & string}`;
}[keyof Outputs & string];

export type OutputOf<P extends ProcedurePath> = P extends `${infer N}.${infer M}`
  ? N extends keyof Outputs
    ? M extends keyof Outputs[N]
      ? Outputs[N][M]
      : never
    : never
  : never;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a route sees of the request. Path and query values are strings; `body` is parsed JSON or undefined. */
export interface RestRequest {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

/** Documentation of one path or query parameter (for /openapi.json). */
export interface ParamDoc {
  schema: z.ZodType;
  description?: string;
  required?: boolean;
}

export interface RestRoute<P extends ProcedurePath> {
  method: HttpMethod;
  /** OpenAPI path template, e.g. `/v1/paymentMethods/{id}/creditCard`. Matched case-insensitively. */
  path: string;
  procedure: P;
  summary: string;
  description?: string;
  /** Procedure input from the request. Coerce (strings → numbers…) but never validate. */
  toInput(req: RestRequest): unknown;
  /** Response body from the procedure output; the output itself when absent. */
  toResponse?(output: OutputOf<P>): unknown;
  /** Response headers computed from the output; also documented. */
  responseHeaders?: Record<string, { description: string; value(output: OutputOf<P>): string }>;
  /**
   * Extra checks before the call, through the same caller (so they are authenticated and
   * scoped as well). Throw a DomainError to answer with its status.
   */
  before?(caller: RestCaller, req: RestRequest): Promise<void>;
  /** Path parameters; each `{name}` not listed is documented as a positive integer id. */
  params?: Record<string, ParamDoc>;
  /** Query parameters. Incoming query keys match these names case-insensitively (.NET clients). */
  query?: Record<string, ParamDoc>;
  /** JSON body schema (the procedure's input schema, or what the facade accepts). */
  requestSchema?: z.ZodType;
  responseSchema: z.ZodType;
  /** 200 unless given. */
  successStatus?: number;
}

export type AnyRestRoute = { [P in ProcedurePath]: RestRoute<P> }[ProcedurePath];

/** Identity, for typing: `toResponse` gets the output type of `procedure`. */
export const defineRoute = <P extends ProcedurePath>(route: RestRoute<P>): RestRoute<P> => route;

/** A value from the query string, else from a JSON object body. */
function queryOrBody(req: RestRequest, key: string): unknown {
  if (req.query[key] !== undefined) return req.query[key];
  return isPlainObject(req.body) ? req.body[key] : undefined;
}

const paymentMethodIdParam: ParamDoc = { schema: idSchema, description: 'The payment method id.' };

const pageQuery = {
  limit: { schema: paginationInput.limit, description: 'Page size, 1 to 100 (default 10).' },
  startingAfter: {
    schema: paginationInput.startingAfter,
    description: 'Cursor: return the cards listed after this payment method id (the next page).',
  },
  endingBefore: {
    schema: paginationInput.endingBefore,
    description: 'Cursor: return the cards listed before this payment method id (the previous page).',
  },
} satisfies Record<string, ParamDoc>;

export const restRoutes: readonly AnyRestRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/customers/{customerId}/paymentMethods/creditCard',
    procedure: 'paymentMethods.list',
    summary: "List a customer's credit cards",
    description:
      'Active cards, newest first, as a JSON array (as Fusebill returns lists). Page with `limit` and ' +
      'the `startingAfter` / `endingBefore` cursors (payment method ids); `X-Has-More` says whether ' +
      'more cards follow in that direction.',
    params: { customerId: { schema: idSchema, description: 'The customer id.' } },
    query: pageQuery,
    toInput: ({ params, query }) => ({
      customerId: toInt(params.customerId),
      limit: toInt(query.limit),
      startingAfter: toInt(query.startingAfter),
      endingBefore: toInt(query.endingBefore),
    }),
    toResponse: (page) => page.data.map(toFusebillPaymentMethod),
    responseHeaders: {
      'X-Has-More': {
        description: '`true` when more cards follow in the paging direction, else `false`.',
        value: (page) => String(page.hasMore),
      },
    },
    responseSchema: z.array(fusebillPaymentMethodDto),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/paymentMethods/{id}/creditCard',
    procedure: 'paymentMethods.get',
    summary: 'Get a credit card',
    description: 'Any status: a deleted or replaced card is returned with its `status`.',
    params: { id: paymentMethodIdParam },
    toInput: ({ params }) => ({ id: toInt(params.id) }),
    toResponse: toFusebillPaymentMethod,
    responseSchema: fusebillPaymentMethodDto,
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/paymentMethods/{id}/creditCard',
    procedure: 'paymentMethods.delete',
    summary: 'Delete a credit card',
    description:
      'Marks the card deleted; if it was the default, the newest remaining card becomes the default. ' +
      '`atGateway=true` also removes it from the gateway vault.',
    params: { id: paymentMethodIdParam },
    query: {
      atGateway: { schema: z.boolean().default(false), description: 'Also delete/detach it at the gateway.' },
    },
    toInput: ({ params, query }) => ({ id: toInt(params.id), atGateway: toBool(query.atGateway) }),
    responseSchema: deletedPaymentMethodDto,
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/paymentMethods/makeDefault',
    procedure: 'paymentMethods.setDefault',
    summary: "Make a credit card the customer's default",
    description:
      '`id` and `customerId` come from the query string (the Fusebill form) or a JSON body. When ' +
      "`customerId` is given and the card belongs to another customer, the answer is the card's 404.",
    query: {
      id: { schema: idSchema, required: true, description: 'The payment method id.' },
      customerId: { schema: idSchema, description: 'The customer the card must belong to.' },
    },
    before: async (caller, req) => {
      const raw = queryOrBody(req, 'customerId');
      if (raw === undefined || raw === null) return;
      const customerId = idSchema.safeParse(toInt(raw));
      if (!customerId.success) {
        throw DomainError.validation(
          customerId.error.issues.map((i) => ({ path: 'customerId', message: i.message })),
        );
      }
      // Invalid or unknown ids fail here exactly as setDefault would fail on them.
      const card = await caller.paymentMethods.get({ id: toInt(queryOrBody(req, 'id')) as number });
      if (card.customerId !== customerId.data) throw notFound.paymentMethod(card.id);
    },
    toInput: (req) => ({ id: toInt(queryOrBody(req, 'id')) }),
    toResponse: toFusebillPaymentMethod,
    responseSchema: fusebillPaymentMethodDto,
  }),

  // ── Imports (seeds/fusebill-stripe-card-import.txt, fusebill-stripe-connect-card-import.txt) ──
  defineRoute({
    method: 'POST',
    path: '/v1/paymentMethodImport/Stripe',
    procedure: 'paymentMethods.importStripeCard',
    summary: 'Import a card from the Stripe vault',
    requestSchema: importStripeCardInput,
    toInput: ({ body }) => coerceFields(body, { customerId: toInt, gatewayAccountId: optionalInt }),
    toResponse: toFusebillCardWrite,
    responseSchema: fusebillCardWriteResult,
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/paymentMethodImport/stripeConnect',
    procedure: 'paymentMethods.importStripeConnectCard',
    summary: 'Import a card from a connected Stripe account',
    requestSchema: importStripeCardInput,
    toInput: ({ body }) => coerceFields(body, { customerId: toInt, gatewayAccountId: optionalInt }),
    toResponse: toFusebillCardWrite,
    responseSchema: fusebillCardWriteResult,
  }),

  // ── The PCI path (seeds/fusebill-replace-credit-card.txt) ──
  defineRoute({
    method: 'POST',
    path: '/v1/paymentMethods/creditCard',
    procedure: 'paymentMethods.createCard',
    summary: 'Create a credit card from its full number (PCI; scope cards:intake)',
    description:
      'The number is encrypted into the vault; the CVV is used for the one gateway call of `verify` and never stored.',
    requestSchema: createCardInput,
    toInput: ({ body }) => coerceFields(body, cardFieldCoercions),
    toResponse: toFusebillCardWrite,
    responseSchema: fusebillCardWriteResult,
  }),
  defineRoute({
    method: 'PUT',
    path: '/v1/paymentMethods/creditCard',
    procedure: 'paymentMethods.replaceCreditCard',
    summary: 'Replace a credit card (PCI; scope cards:intake)',
    description:
      'The GET/PUT pattern: the DTO as read by a GET plus the unmasked `cardNumber` and `cvv`. Answers the NEW ' +
      'payment method (new id, `originalPaymentMethodId` = the replaced id). With `paymentCollectOptions` the ' +
      'amount is collected first; a decline leaves the old card as it was.',
    requestSchema: replaceCreditCardInput,
    toInput: ({ body }) =>
      coerceFields(body, {
        ...cardFieldCoercions,
        id: toInt,
        storedInFusebillVault: optionalBool,
        storedInVault: optionalBool,
        isUsedForBillingPeriodOverride: optionalBool,
        originalPaymentMethodId: optionalInt,
        gatewayAccountId: optionalInt,
      }),
    toResponse: toFusebillCardWrite,
    responseSchema: fusebillCardWriteResult,
  }),
];
