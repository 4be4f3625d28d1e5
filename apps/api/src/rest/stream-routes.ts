/**
 * Routes whose request or answer is a file rather than JSON: a migration job's source file
 * going up, its report and id map coming down. No procedure can carry a byte stream, so each
 * calls a stream operation of the API (`uploadMigrationFile`, `openMigrationArtifact`), which
 * authenticates, checks the scope of its operation, validates, audits and honours
 * Idempotency-Key as the procedure chain does; this module keeps the HTTP side: media types,
 * the size cap, response headers. Neither direction holds a file in memory: the upload's body
 * is read as it arrives (parts of 1 MiB go to the database), a download is written a page of
 * rows at a time with back-pressure (handler.ts).
 */
import type { IncomingMessage } from 'node:http';
import {
  type Artifact,
  type ArtifactFormat,
  type Context,
  openMigrationArtifact,
  type StreamOperation,
  uploadMigrationFile,
} from '@cardbridge/api';
import { idSchema, migrationFileDto, uploadMigrationFileInput } from '@cardbridge/core';
import { z } from 'zod';
import { toInt } from './coerce.js';
import { RestError } from './errors.js';
import type { HttpMethod, ParamDoc } from './routes.js';

export interface StreamLimits {
  /** The largest file one upload may hold. */
  maxUploadBytes: number;
}

export interface StreamRequest {
  ctx: Context;
  req: IncomingMessage;
  params: Record<string, string>;
  query: Record<string, string>;
  limits: StreamLimits;
}

/** What a stream route answers: JSON, or text chunks written in order (the handler sends either). */
export type StreamAnswer =
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'chunks'; status: number; headers: Record<string, string>; chunks: AsyncIterable<string> };

export interface StreamRoute {
  method: HttpMethod;
  /** OpenAPI path template, matched case-insensitively (as the procedure routes are). */
  path: string;
  /** Its line in the scope table (`streamOperationScopes`). */
  operation: StreamOperation;
  operationId: string;
  summary: string;
  description: string;
  params?: Record<string, ParamDoc>;
  query?: Record<string, ParamDoc>;
  /** The body is the file itself: the media types taken, for /openapi.json. */
  requestBody?: { mediaTypes: readonly string[]; description: string };
  response: {
    status: number;
    mediaType: string;
    description: string;
    /** A JSON answer's schema; a text answer is documented as a string. */
    schema?: z.ZodType;
    headers?: Record<string, string>;
  };
  handle(request: StreamRequest): Promise<StreamAnswer>;
}

/**
 * What of a refused upload is still read (and thrown away) so the client, still sending, gets to
 * read the answer: a server that stops reading and closes makes the client's next write fail,
 * and the client may see that failure instead of the 413. Past this, the connection is closed.
 */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Whether a request refused with its body unread is answered on a connection then closed,
 * rather than with the rest of its body read and thrown away: when that rest is too much, or of
 * unknown length (chunked). An upload is refused either before its body is read or, chunked,
 * as it passes the cap, so the declared length is what is left.
 */
export function closeRatherThanDrain(req: IncomingMessage): boolean {
  const declared = Number(req.headers['content-length']);
  return !Number.isFinite(declared) || declared > DRAIN_LIMIT_BYTES;
}

/** A refusal of the upload itself; `code` is what its audit row records. */
class UploadRefused extends RestError {
  constructor(
    status: number,
    readonly code: string,
    message: string,
  ) {
    super(status, message);
  }
}

/**
 * The file's bytes, whatever the file is: a Stripe export (CSV, JSON, or OpenPGP-encrypted),
 * a mapping CSV. Form encodings would wrap the bytes in their own syntax, so they are refused.
 */
export const uploadMediaTypes = [
  'application/octet-stream',
  'application/pgp-encrypted',
  'text/csv',
  'application/json',
  'text/plain',
] as const;

function checkMediaType(contentType: string | undefined): void {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === '' || (uploadMediaTypes as readonly string[]).includes(mediaType)) return;
  throw new UploadRefused(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `Unsupported Content-Type '${contentType!.slice(0, 100)}': send the file's bytes as the body, as application/octet-stream.`,
  );
}

const tooLarge = (maxBytes: number) =>
  new UploadRefused(
    413,
    'PAYLOAD_TOO_LARGE',
    `The file is larger than the ${maxBytes} bytes an upload may hold.`,
  );

/**
 * The request body as it arrives, refused (413) past `maxBytes`: at once when Content-Length
 * says so, else as soon as the count passes it. Checked lazily, on the first read, so that a
 * bad key or name is answered first.
 */
async function* uploadBody(req: IncomingMessage, maxBytes: number): AsyncGenerator<Uint8Array> {
  checkMediaType(req.headers['content-type']);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    yield chunk;
  }
}

const uploadRoute: StreamRoute = {
  method: 'POST',
  path: '/v1/migrations/files',
  operation: 'migrations.uploadFile',
  operationId: 'migrations.uploadFile',
  summary: "Upload a migration job's source file (scope imports)",
  description:
    'The body is the file, as it is: a Stripe card export (CSV or JSON, usually OpenPGP-encrypted: it is kept ' +
    'encrypted, and opened with the import key when a job reads it) or a mapping CSV. The answer names the file ' +
    "by the `id` a job's `source.fileId` takes. A clear file is sealed by the tenant's vault key as it is " +
    'stored. Too large: 413, at once when Content-Length says so. With an Idempotency-Key, the same name and ' +
    'bytes sent again answer the first file (`Idempotent-Replayed: true`); other bytes under that key: 422.',
  query: {
    name: {
      schema: uploadMigrationFileInput.shape.name,
      required: true,
      description: "The file's name (shown with the file; 1 to 255 characters).",
    },
  },
  requestBody: {
    mediaTypes: uploadMediaTypes,
    description: "The file's bytes (any of these media types, or none, is taken as the raw file).",
  },
  response: {
    status: 201,
    mediaType: 'application/json',
    description: 'The stored file.',
    schema: migrationFileDto,
  },
  async handle({ ctx, req, query, limits }) {
    const { file } = await uploadMigrationFile(ctx, {
      name: query.name,
      body: uploadBody(req, limits.maxUploadBytes),
      maxBytes: limits.maxUploadBytes,
    });
    return { kind: 'json', status: 201, body: file };
  },
};

const idMapEntry = z.strictObject({
  sourceCustomerId: z.string().nullable(),
  sourceCardId: z.string().nullable(),
  customerId: z.number().int().nullable(),
  paymentMethodId: z.number().int().nullable(),
});

const jobIdParam: ParamDoc = { schema: idSchema, description: 'The migration job id.' };

function downloadRoute<A extends Artifact>(opts: {
  artifact: A;
  format: ArtifactFormat;
  mediaType: string;
  operationId: string;
  summary: string;
  description: string;
  schema?: z.ZodType;
}): StreamRoute {
  const { artifact, format, mediaType } = opts;
  return {
    method: 'GET',
    path: `/v1/migrations/{id}/${artifact}.${format}`,
    operation: 'migrations.download',
    operationId: opts.operationId,
    summary: opts.summary,
    description: `${opts.description} Sent as it is rendered, a page of rows at a time; a job still running gives the rows done so far.`,
    params: { id: jobIdParam },
    response: {
      status: 200,
      mediaType,
      description: 'The file, as an attachment.',
      ...(opts.schema ? { schema: opts.schema } : {}),
      headers: { 'Content-Disposition': `attachment; filename="migration-<id>-${artifact}.${format}"` },
    },
    async handle({ ctx, params }) {
      const { job, chunks } = await openMigrationArtifact(ctx, { id: toInt(params.id), artifact, format });
      return {
        kind: 'chunks',
        status: 200,
        headers: {
          'content-type': mediaType,
          'content-disposition': `attachment; filename="migration-${job.id}-${artifact}.${format}"`,
          'cache-control': 'no-store',
        },
        chunks,
      };
    },
  };
}

const reportColumns =
  '`seq, key, position, sourceCustomerId, sourceCardId, outcome, reason, customerId, paymentMethodId, customerCreated`';

export const streamRoutes: readonly StreamRoute[] = [
  uploadRoute,
  downloadRoute({
    artifact: 'report',
    format: 'csv',
    mediaType: 'text/csv; charset=utf-8',
    operationId: 'migrations.reportCsv',
    summary: "A job's per-row report, CSV",
    description: `One line per source row, in source order, under a header: ${reportColumns}.`,
  }),
  downloadRoute({
    artifact: 'report',
    format: 'jsonl',
    mediaType: 'application/x-ndjson; charset=utf-8',
    operationId: 'migrations.reportJsonl',
    summary: "A job's per-row report, JSON lines",
    description:
      'One JSON object per line and source row, in source order: the items of `GET /v1/migrations/{id}/items`.',
  }),
  downloadRoute({
    artifact: 'id-map',
    format: 'json',
    mediaType: 'application/json; charset=utf-8',
    operationId: 'migrations.idMapJson',
    summary: "A job's old → new id map, JSON",
    description:
      "Every source card the job maps to one of our payment methods: the source's customer and card ids next to ours.",
    schema: z.array(idMapEntry),
  }),
  downloadRoute({
    artifact: 'id-map',
    format: 'csv',
    mediaType: 'text/csv; charset=utf-8',
    operationId: 'migrations.idMapCsv',
    summary: "A job's old → new id map, CSV",
    description: 'The id map under a header: `sourceCustomerId, sourceCardId, customerId, paymentMethodId`.',
  }),
];
