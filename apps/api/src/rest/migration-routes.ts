/**
 * Migration jobs over REST (not a Fusebill resource: the DTOs are the tRPC ones as they are).
 * Each route calls its `migrations.*` procedure, like every route of the table (routes.ts);
 * a job's source file and its report and id map travel as bytes: stream-routes.ts.
 */
import {
  createMigrationJobInput,
  idSchema,
  listMigrationItemsInput,
  migrationItemDto,
  migrationItemOutcomes,
  migrationJobDto,
  paginationInput,
} from '@cardbridge/core';
import { z } from 'zod';
import { coerceFields, isPlainObject, optionalBool, optionalInt, toInt } from './coerce.js';
import type { ParamDoc, ProcedurePath, RestRoute } from './routes.js';

/** Identity, for typing (routes.ts imports this module, so its `defineRoute` is not used here). */
const route = <P extends ProcedurePath>(r: RestRoute<P>): RestRoute<P> => r;

const tag = 'Migrations';
const jobIdParam: ParamDoc = { schema: idSchema, description: 'The migration job id.' };
const hasMoreHeader = (description: string) => ({
  'X-Has-More': { description, value: (page: { hasMore: boolean }) => String(page.hasMore) },
});

/** Numbers and booleans sent as strings (`"dryRun":"true"`, `"gatewayAccountId":"3"`), in the source too. */
function createInput(body: unknown): unknown {
  const input = coerceFields(body, { dryRun: optionalBool });
  if (!isPlainObject(input) || !isPlainObject(input.source)) return input;
  const source = coerceFields(input.source, {
    gatewayAccountId: optionalInt,
    fileId: optionalInt,
    targetGatewayAccountId: optionalInt,
    sync: optionalBool,
    apply: optionalBool,
  });
  return { ...input, source };
}

type Control = 'migrations.pause' | 'migrations.resume' | 'migrations.cancel';

const controlRoute = <P extends Control>(procedure: P, summary: string, description: string) =>
  route({
    method: 'POST',
    path: `/v1/migrations/{id}/${procedure.slice('migrations.'.length)}`,
    procedure,
    tag,
    summary,
    description,
    params: { id: jobIdParam },
    toInput: ({ params }) => ({ id: toInt(params.id) }),
    responseSchema: migrationJobDto,
  });

export const migrationRoutes = [
  route({
    method: 'POST',
    path: '/v1/migrations',
    procedure: 'migrations.create',
    tag,
    summary: 'Create a migration job (scope imports)',
    description:
      'A job reads its `source` — a whole Stripe account (`stripe_account`), an uploaded Stripe card ' +
      'export (`export_file`, also scope cards:intake), an uploaded mapping file (`mapping_file`) or our ' +
      'own vault for a bulk export (`bulk_export`, also scope cards:export) — and works through it at the ' +
      "gateway's request rate, a result per row. With `dryRun` it is a plan: the source is read and every " +
      'row reported as it would go, nothing is written, and the finished job carries an `estimate` of a real ' +
      'run. Answered at once with the queued job; follow it with `GET /v1/migrations/{id}`. Keys match ' +
      'case-insensitively, in `source` too.',
    requestSchema: createMigrationJobInput,
    toInput: ({ body }) => createInput(body),
    successStatus: 201,
    responseHeaders: {
      Location: { description: "The job's URL.", value: (job) => `/v1/migrations/${job.id}` },
    },
    responseSchema: migrationJobDto,
  }),
  route({
    method: 'GET',
    path: '/v1/migrations',
    procedure: 'migrations.list',
    tag,
    summary: "List the tenant's migration jobs",
    description:
      'Newest first, as a JSON array, paged by cursor: `limit` (1 to 100, default 10) and `startingAfter` / ' +
      '`endingBefore` (job ids); `X-Has-More` says whether more jobs follow.',
    query: {
      limit: { schema: paginationInput.limit, description: 'Page size, 1 to 100 (default 10).' },
      startingAfter: { schema: paginationInput.startingAfter, description: 'The jobs listed after this id.' },
      endingBefore: { schema: paginationInput.endingBefore, description: 'The jobs listed before this id.' },
    },
    toInput: ({ query }) => ({
      limit: toInt(query.limit),
      startingAfter: toInt(query.startingAfter),
      endingBefore: toInt(query.endingBefore),
    }),
    toResponse: (page) => page.data,
    responseHeaders: hasMoreHeader("`true` when more jobs follow in the cursor's direction, else `false`."),
    responseSchema: z.array(migrationJobDto),
  }),
  route({
    method: 'GET',
    path: '/v1/migrations/{id}',
    procedure: 'migrations.get',
    tag,
    summary: 'Get a migration job: status, progress, counts by outcome, estimate',
    params: { id: jobIdParam },
    toInput: ({ params }) => ({ id: toInt(params.id) }),
    responseSchema: migrationJobDto,
  }),
  controlRoute(
    'migrations.pause',
    'Pause a migration job',
    'A queued or running job stops at its next row; what is done stays done. 409 in any other status.',
  ),
  controlRoute(
    'migrations.resume',
    'Resume a paused migration job',
    'It goes on where it stopped. 409 unless the job is paused.',
  ),
  controlRoute(
    'migrations.cancel',
    'Cancel a migration job',
    'For good: its pending work is dropped; rows already done stay done (and in its report). 409 once the job has ended.',
  ),
  route({
    method: 'GET',
    path: '/v1/migrations/{id}/items',
    procedure: 'migrations.items',
    tag,
    summary: "A page of a job's per-row results",
    description:
      'In source order, as a JSON array. Paged by `after` (the last `seq` of the previous page) and `limit` ' +
      '(1 to 1000, default 100); `outcome` keeps one kind of result (`failed`, …). `X-Has-More` says ' +
      'whether more rows follow. The whole report at once: `GET /v1/migrations/{id}/report.csv`.',
    params: { id: jobIdParam },
    query: {
      after: {
        schema: listMigrationItemsInput.shape.after,
        description: 'The last `seq` of the previous page.',
      },
      limit: {
        schema: listMigrationItemsInput.shape.limit,
        description: 'Rows per page, 1 to 1000 (default 100).',
      },
      outcome: {
        schema: z.enum(migrationItemOutcomes),
        description: 'Only the rows with this outcome.',
      },
    },
    toInput: ({ params, query }) => ({
      id: toInt(params.id),
      after: toInt(query.after),
      limit: toInt(query.limit),
      outcome: query.outcome,
    }),
    toResponse: (page) => page.data,
    responseHeaders: hasMoreHeader('`true` when more rows follow, else `false`.'),
    responseSchema: z.array(migrationItemDto),
  }),
] as const;
