/**
 * The Fusebill-compatible REST facade: one declarative table of routes, each naming the tRPC
 * procedure it calls. The handler (`handler.ts`) calls that very procedure through
 * `appRouter.createCaller`, so auth, scopes, input validation, audit and domain errors are
 * the tRPC endpoint's own; a route only translates the request into the procedure's input
 * and the output into the Fusebill response. There is no second implementation of anything.
 *
 * Why not trpc-to-openapi: its error responses have their own shape and cannot produce
 * Fusebill's envelope `{"ErrorId":0,"HttpStatusCode":…,"Errors":[…]}`, nor Fusebill's
 * bare-array lists and relaxed-JSON bodies. The OpenAPI document is still generated from this
 * table and from the zod schemas.
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
  expiryWindowHelp,
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
  fusebillExpiringPaymentMethodDto,
  fusebillPaymentMethodDto,
  toFusebillCardWrite,
  toFusebillExpiringPaymentMethod,
  toFusebillPaymentMethod,
} from './fusebill-dto.js';
import { migrationRoutes } from './migration-routes.js';
import {
  pageNumberHeaderDocs,
  pageNumberHeaders,
  pageNumberQuery,
  parsePageNumberQuery,
  walkLimit,
  walkToPage,
} from './paging.js';

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
  /** The OpenAPI tag that groups it; 'Payment methods' when absent. */
  tag?: string;
  summary: string;
  description?: string;
  /**
   * OpenAPI `operationId`; the procedure's name when absent. Two routes calling one procedure
   * (the two card lists) need distinct ones.
   */
  operationId?: string;
  /** Procedure input from the request. Coerce (strings → numbers…) but never validate. */
  toInput(req: RestRequest): unknown;
  /**
   * Replaces the single call `procedure(toInput(req))` when a route needs several calls of its
   * procedure (page-number paging walks the list). Headers it computes go through `setHeader`.
   */
  invoke?(args: RestInvocation<P>): Promise<OutputOf<P>>;
  /** Response body from the procedure output; the output itself when absent. */
  toResponse?(output: OutputOf<P>): unknown;
  /**
   * Response headers, documented in /openapi.json. With `value`, computed from the output (not
   * sent when it returns undefined); without, set by `invoke`.
   */
  responseHeaders?: Record<string, { description: string; value?(output: OutputOf<P>): string | undefined }>;
  /**
   * The keys a JSON body may carry (matched case-insensitively, unknown ones dropped: keys.ts).
   * The procedure's input schema when absent.
   */
  bodySchema?: z.ZodType;
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

/** What `invoke` gets: the procedure (through the same caller), the request, the default input. */
export interface RestInvocation<P extends ProcedurePath> {
  call(input: unknown): Promise<OutputOf<P>>;
  req: RestRequest;
  /** `toInput(req)`. */
  input: unknown;
  setHeader(name: string, value: string): void;
}

export type AnyRestRoute = { [P in ProcedurePath]: RestRoute<P> }[ProcedurePath];

/** Identity, for typing: `toResponse` gets the output type of `procedure`. */
const defineRoute = <P extends ProcedurePath>(route: RestRoute<P>): RestRoute<P> => route;

/** A value from the query string, else from a JSON object body. */
function queryOrBody(req: RestRequest, key: string): unknown {
  if (req.query[key] !== undefined) return req.query[key];
  return isPlainObject(req.body) ? req.body[key] : undefined;
}

const paymentMethodIdParam: ParamDoc = { schema: idSchema, description: 'The payment method id.' };

const pageQuery = {
  limit: { schema: paginationInput.limit, description: 'Cursor paging: page size, 1 to 100 (default 10).' },
  startingAfter: {
    schema: paginationInput.startingAfter,
    description: 'Cursor: return the cards listed after this payment method id (the next page).',
  },
  endingBefore: {
    schema: paginationInput.endingBefore,
    description: 'Cursor: return the cards listed before this payment method id (the previous page).',
  },
} satisfies Record<string, ParamDoc>;

const cursorKeys = ['limit', 'startingAfter', 'endingBefore'] as const;
const pageNumberKeys = ['pageSize', 'pageNumber'] as const;

const listPagingDescription =
  "Two ways to page. Fusebill's: `pageSize` (1 to 100, default 100) and `pageNumber` (0-based), " +
  'answered with the `X-CurrentPage`, `X-PageSize`, `X-NextPage`, `X-PreviousPage` (-1 for none), ' +
  '`X-MaxPageIndex`, `X-Count` (on this page), `X-MaxCount` (in all), `X-SortOrder` and ' +
  '`X-SortExpression` headers; a page past the end is empty. Or by cursor: `limit` and ' +
  '`startingAfter` / `endingBefore` (payment method ids). Without any paging parameter, page 0 ' +
  'of 100. Both kinds at once: 400. `X-Has-More` says whether more cards follow, either way.';

/**
 * Cursor paging (one call, as tRPC pages) when a cursor parameter is given, else Fusebill's
 * page-number paging (paging.ts: a walk of the keyset list). Both kinds at once: a 400.
 */
async function listCards({
  call,
  req,
  input,
  setHeader,
}: RestInvocation<'paymentMethods.list'>): Promise<OutputOf<'paymentMethods.list'>> {
  const cursor = cursorKeys.filter((k) => req.query[k] !== undefined);
  const byNumber = pageNumberKeys.filter((k) => req.query[k] !== undefined);
  if (cursor.length > 0 && byNumber.length === 0) return call(input);
  const customerId = toInt(req.params.customerId);
  // The first call authenticates and checks the scope and the customer: a 401, 403 or 404
  // comes before any complaint about paging parameters, as on tRPC.
  const first = await call({ customerId, limit: walkLimit });
  if (cursor.length > 0) {
    throw DomainError.validation(
      byNumber.map((k) => ({
        path: k,
        message: `cannot be combined with ${cursor.join(', ')}: page by number (pageSize, pageNumber) or by cursor (limit, startingAfter, endingBefore)`,
      })),
    );
  }
  const request = parsePageNumberQuery(req.query);
  const { data, total } = await walkToPage(
    first,
    (startingAfter) => call({ customerId, limit: walkLimit, startingAfter }),
    request,
  );
  for (const [name, value] of Object.entries(pageNumberHeaders({ ...request, count: data.length, total })))
    setHeader(name, value);
  return { data, hasMore: (request.pageNumber + 1) * request.pageSize < total };
}

/** A customer's card list (the `/creditCard` list and Fusebill's `/all`): one definition. */
const cardListRoute = (opts: { path: string; operationId?: string; summary: string; description: string }) =>
  defineRoute({
    method: 'GET',
    ...opts,
    procedure: 'paymentMethods.list',
    params: { customerId: { schema: idSchema, description: 'The customer id.' } },
    query: { ...pageNumberQuery, ...pageQuery },
    toInput: ({ params, query }) => ({
      customerId: toInt(params.customerId),
      limit: toInt(query.limit),
      startingAfter: toInt(query.startingAfter),
      endingBefore: toInt(query.endingBefore),
    }),
    invoke: listCards,
    toResponse: (page) => page.data.map(toFusebillPaymentMethod),
    responseHeaders: {
      'X-Has-More': {
        description:
          "`true` when more cards follow (in the cursor's direction, or on later pages), else `false`.",
        value: (page) => String(page.hasMore),
      },
      ...Object.fromEntries(
        Object.entries(pageNumberHeaderDocs).map(([name, description]) => [name, { description }]),
      ),
    },
    responseSchema: z.array(fusebillPaymentMethodDto),
  });

/**
 * Cursor paging only. Not a Fusebill route, so no client expects its page numbers, and a page by
 * number is found by walking the list (paging.ts): fine for one customer's handful of cards, not
 * for a whole tenant's. The call comes first (401, 403, 404 before any complaint about paging).
 */
async function listExpiringCards({
  call,
  req,
  input,
}: RestInvocation<'paymentMethods.expiring'>): Promise<OutputOf<'paymentMethods.expiring'>> {
  const page = await call(input);
  const byNumber = pageNumberKeys.filter((k) => req.query[k] !== undefined);
  if (byNumber.length > 0) {
    throw DomainError.validation(
      byNumber.map((k) => ({
        path: k,
        message: 'this list pages by cursor only (limit, startingAfter, endingBefore), not by page number',
      })),
    );
  }
  return page;
}

export const restRoutes: readonly AnyRestRoute[] = [
  cardListRoute({
    path: '/v1/customers/{customerId}/paymentMethods/creditCard',
    summary: "List a customer's credit cards",
    description: `Active cards, newest first, as a JSON array (as Fusebill returns lists). ${listPagingDescription}`,
  }),
  cardListRoute({
    path: '/v1/customers/{customerId}/paymentMethods/all',
    operationId: 'paymentMethods.listAll',
    summary: "List all of a customer's payment methods",
    description:
      "Fusebill's list of every payment method of a customer. cardbridge holds credit cards only, so " +
      'this is the credit-card list: the same DTOs, order and paging. ' +
      listPagingDescription,
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/paymentMethods/expiring',
    procedure: 'paymentMethods.expiring',
    summary: 'List the credit cards that expire soon (or have expired)',
    description:
      "Active cards of the key's tenant (or of one customer) whose expiry falls on or before now + " +
      '`within`, already expired ones included, soonest first, then by id, as a JSON array. A card is ' +
      'valid through the last day of its expiry month (UTC): each item says so in `expiresOn` and whether ' +
      'that day has passed in `expired`. Paged by cursor only: `limit` and `startingAfter` / ' +
      '`endingBefore` (payment method ids); `X-Has-More` says whether more cards follow.',
    query: {
      within: {
        schema: z.string(),
        required: true,
        description: `How far ahead to look: ${expiryWindowHelp} (\`60d\`); at most 5 years.`,
      },
      customerId: { schema: idSchema, description: "Only this customer's cards." },
      ...pageQuery,
    },
    toInput: ({ query }) => ({
      within: query.within,
      customerId: toInt(query.customerId),
      limit: toInt(query.limit),
      startingAfter: toInt(query.startingAfter),
      endingBefore: toInt(query.endingBefore),
    }),
    invoke: listExpiringCards,
    toResponse: (page) => page.data.map(toFusebillExpiringPaymentMethod),
    responseHeaders: {
      'X-Has-More': {
        description: "`true` when more cards follow in the cursor's direction, else `false`.",
        value: (page) => String(page.hasMore),
      },
      'X-Expires-On-Or-Before': {
        description:
          'now + `within` (YYYY-MM-DD, UTC): the list holds the cards whose `expiresOn` is on or before it.',
        value: (page) => page.expiresOnOrBefore,
      },
    },
    responseSchema: z.array(fusebillExpiringPaymentMethodDto),
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
    // The body may carry `customerId` too, beside the procedure's `id`.
    bodySchema: z.strictObject({ id: idSchema, customerId: idSchema.nullish() }),
    toInput: (req) => ({ id: toInt(queryOrBody(req, 'id')) }),
    toResponse: toFusebillPaymentMethod,
    responseSchema: fusebillPaymentMethodDto,
  }),

  // ── Imports (Fusebill API "Stripe card import", Fusebill API "Stripe Connect card import") ──
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

  // ── The PCI path (Fusebill API "Replace credit card") ──
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

  // ── Migration jobs (not Fusebill's; their files and reports travel as bytes: stream-routes.ts) ──
  ...migrationRoutes,
];
