import { createHash } from 'node:crypto';
import http from 'node:http';
import { streamOperationScopes } from '@cardbridge/api';
import { createInternalContext } from '@cardbridge/api/src/context.js';
import { readMigrationFile } from '@cardbridge/api/src/services/migrations/index.js';
import { supportedKinds } from '@cardbridge/api/src/services/migrations/kinds.js';
import { type MigrationItemDto, type MigrationJobDto, migrationFileDto, type Scope } from '@cardbridge/core';
import { schema } from '@cardbridge/db';
import { type StripeEmulator, startStripeEmulator } from '@cardbridge/stripe-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '../src/rest/caller.js';
import { streamRoutes } from '../src/rest/stream-routes.js';
import { startTestServer } from './helpers.js';

/*
 * Migration jobs over the REST facade, against the real HTTP server (its worker in process)
 * and the Stripe emulator: a whole Stripe account planned and imported, jobs followed, paged,
 * paused, resumed and cancelled; reports and id maps downloaded; source files uploaded as raw
 * bodies, streamed into the database part by part, capped, deduplicated by Idempotency-Key.
 */

type Server = Awaited<ReturnType<typeof startTestServer>>;
type Envelope = { ErrorId: number; HttpStatusCode: number; Errors: { Key: string; Value: string }[] };

const MiB = 1024 * 1024;
/** Small enough to pass in a test; the default is 2 GiB. */
const maxUploadBytes = 3 * MiB;
const requestTimeoutMs = 3_000;
const secretKey = 'sk_test_restMigrations01';
const customers = 6;
/** Whether this server runs jobs of `kind` (each kind lands with its own module: kinds.ts). */
const runsKind = (kind: string) => (supportedKinds() as string[]).includes(kind);

describe('REST: migration jobs', () => {
  let s: Server;
  let emulator: StripeEmulator;
  let platform: ReturnType<typeof createCaller>;
  let tenantCount = 0;

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    await emulator.seedDemo({ seed: 31, customers, cardsPerCustomer: 1 });
    s = await startTestServer({
      env: {
        CARDBRIDGE_MIGRATION_FILE_MAX_BYTES: String(maxUploadBytes),
        CARDBRIDGE_REQUEST_TIMEOUT_MS: String(requestTimeoutMs),
      },
    });
    platform = createCaller(createInternalContext(s.app.deps, `Basic ${s.bootstrapKey}`));
  });
  afterAll(async () => {
    await s.app.close();
    await emulator.close();
  });

  /** A tenant of its own (admin key: every tenant scope), with a Stripe account on the emulator. */
  async function freshTenant() {
    const created = await platform.tenants.create({ name: `REST migrations ${++tenantCount}` });
    const key = created.adminKey.secret;
    const admin = createCaller(createInternalContext(s.app.deps, `Basic ${key}`));
    const account = await admin.gatewayAccounts.create({ type: 'stripe', secretKey, apiBase: emulator.url });
    const keyWith = async (scopes: Exclude<Scope, 'platform'>[]) =>
      (await admin.apiKeys.create({ name: 'scoped', scopes })).secret;
    return { tenantId: created.tenant.id, key, admin, accountId: account.id, keyWith };
  }

  const call = (
    path: string,
    init: { method?: string; key?: string | null; body?: unknown; headers?: Record<string, string> },
  ) =>
    fetch(`${s.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.key ? { authorization: `Basic ${init.key}` } : {}),
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined
        ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }
        : {}),
    });

  const jobOf = async (res: Response) => {
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return (await res.json()) as MigrationJobDto;
  };

  /** Polls the job until it has ended (no time limit but the test's). */
  async function settled(key: string, id: number): Promise<MigrationJobDto> {
    for (;;) {
      const job = await jobOf(await call(`/v1/migrations/${id}`, { key }));
      if (['completed', 'failed', 'cancelled'].includes(job.status)) return job;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const stripeSource = (accountId: number, requestsPerSecond = 1000) => ({
    kind: 'stripe_account',
    gatewayAccountId: accountId,
    requestsPerSecond,
  });

  it('plans and imports a Stripe account; follows, lists and pages the jobs; downloads the report and id map', async () => {
    const t = await freshTenant();
    // PascalCase keys, in `source` too, and a boolean sent as a string: as a .NET client sends them.
    const planned = await call('/v1/migrations', {
      method: 'POST',
      key: t.key,
      body: {
        Source: { Kind: 'stripe_account', GatewayAccountId: String(t.accountId), RequestsPerSecond: 1000 },
        DryRun: 'true',
      },
    });
    expect(planned.status).toBe(201);
    const planJob = (await planned.json()) as MigrationJobDto;
    expect(planned.headers.get('location')).toBe(`/v1/migrations/${planJob.id}`);
    expect(planJob).toMatchObject({
      kind: 'stripe_account',
      dryRun: true,
      source: { gatewayAccountId: t.accountId },
    });

    const plan = await settled(t.key, planJob.id);
    expect(plan.status).toBe('completed');
    expect(plan.estimate).toMatchObject({ requests: plan.progress.requests, requestsPerSecond: 1000 });
    const rows = plan.progress.done;
    expect(plan.progress.counts).toEqual({ created: rows });
    expect(rows).toBeGreaterThanOrEqual(customers);

    const run = await settled(
      t.key,
      (
        await jobOf(
          await call('/v1/migrations', {
            method: 'POST',
            key: t.key,
            body: { source: stripeSource(t.accountId) },
          }),
        )
      ).id,
    );
    expect(run).toMatchObject({
      status: 'completed',
      dryRun: false,
      estimate: null,
      progress: { counts: { created: rows } },
    });

    // Newest first; the cursor pages on.
    const list = await call('/v1/migrations?limit=1', { key: t.key });
    expect(list.headers.get('x-has-more')).toBe('true');
    expect(((await list.json()) as MigrationJobDto[]).map((j) => j.id)).toEqual([run.id]);
    const next = await call(`/v1/migrations?Limit=10&StartingAfter=${run.id}`, { key: t.key });
    expect(next.headers.get('x-has-more')).toBe('false');
    expect(((await next.json()) as MigrationJobDto[]).map((j) => j.id)).toEqual([plan.id]);

    // Items a page at a time, in source order; a filter by outcome.
    const firstPage = await call(`/v1/migrations/${run.id}/items?limit=${rows - 1}`, { key: t.key });
    expect(firstPage.headers.get('x-has-more')).toBe('true');
    const page1 = (await firstPage.json()) as MigrationItemDto[];
    const rest = await call(`/v1/migrations/${run.id}/items?after=${page1.at(-1)!.seq}`, { key: t.key });
    expect(rest.headers.get('x-has-more')).toBe('false');
    const items = [...page1, ...((await rest.json()) as MigrationItemDto[])];
    expect(items).toHaveLength(rows);
    expect(items.map((i) => i.seq)).toEqual([...items.map((i) => i.seq)].sort((a, b) => a - b));
    expect(items.every((i) => i.outcome === 'created' && i.paymentMethodId !== null)).toBe(true);
    const failed = await call(`/v1/migrations/${run.id}/items?outcome=failed`, { key: t.key });
    expect(await failed.json()).toEqual([]);

    // The report: CSV and JSON lines, the same rows as the items.
    const csv = await call(`/v1/migrations/${run.id}/report.csv`, { key: t.key });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(
      `attachment; filename="migration-${run.id}-report.csv"`,
    );
    const csvLines = (await csv.text()).trimEnd().split('\r\n');
    expect(csvLines[0]).toBe(
      'seq,key,position,sourceCustomerId,sourceCardId,outcome,reason,customerId,paymentMethodId,customerCreated',
    );
    expect(csvLines.slice(1).map((l) => l.split(',')[4])).toEqual(items.map((i) => i.sourceCardId));
    const jsonl = await call(`/v1/migrations/${run.id}/report.jsonl`, { key: t.key });
    expect(jsonl.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(jsonl.headers.get('content-disposition')).toBe(
      `attachment; filename="migration-${run.id}-report.jsonl"`,
    );
    const reported = (await jsonl.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as MigrationItemDto);
    expect(reported).toEqual(items);

    // The id map: every source card next to our payment method.
    const mapping = items.map((i) => ({
      sourceCustomerId: i.sourceCustomerId,
      sourceCardId: i.sourceCardId,
      customerId: i.customerId,
      paymentMethodId: i.paymentMethodId,
    }));
    const idMap = await call(`/v1/migrations/${run.id}/id-map.json`, { key: t.key });
    expect(idMap.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(idMap.headers.get('content-disposition')).toBe(
      `attachment; filename="migration-${run.id}-id-map.json"`,
    );
    expect(await idMap.json()).toEqual(mapping);
    const idMapCsv = await call(`/v1/migrations/${run.id}/id-map.csv`, { key: t.key });
    expect(idMapCsv.headers.get('content-disposition')).toBe(
      `attachment; filename="migration-${run.id}-id-map.csv"`,
    );
    expect((await idMapCsv.text()).trimEnd().split('\r\n')).toEqual([
      'sourceCustomerId,sourceCardId,customerId,paymentMethodId',
      ...mapping.map((m) => `${m.sourceCustomerId},${m.sourceCardId},${m.customerId},${m.paymentMethodId}`),
    ]);
    // A plan maps nothing: it wrote no payment method.
    expect(await (await call(`/v1/migrations/${plan.id}/id-map.json`, { key: t.key })).json()).toEqual([]);
  });

  it('pauses, resumes and cancels a job made slow by its request rate; Idempotency-Key replays a control', async () => {
    const t = await freshTenant();
    const job = await jobOf(
      await call('/v1/migrations', {
        method: 'POST',
        key: t.key,
        body: { source: stripeSource(t.accountId, 0.2) },
      }),
    );
    const control = (action: string, headers: Record<string, string> = {}) =>
      call(`/v1/migrations/${job.id}/${action}`, { method: 'POST', key: t.key, headers });

    expect((await jobOf(await control('pause'))).status).toBe('paused');
    const again = await control('pause');
    expect(again.status).toBe(409);
    expect(((await again.json()) as Envelope).Errors[0]!.Value).toBe(
      `Cannot pause migration job ${job.id}: it is paused.`,
    );
    expect(['queued', 'running']).toContain((await jobOf(await control('resume'))).status);

    const cancelled = await control('cancel', { 'Idempotency-Key': `cancel-${job.id}` });
    expect((await jobOf(cancelled)).status).toBe('cancelled');
    const replayed = await control('cancel', { 'Idempotency-Key': `cancel-${job.id}` });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect((await jobOf(replayed)).status).toBe('cancelled');
    expect((await control('resume')).status).toBe(409);
    expect((await settled(t.key, job.id)).status).toBe('cancelled');
  });

  it('refuses bad input with a 400 naming the field, and unknown jobs with a 404', async () => {
    const t = await freshTenant();
    const testAccount = (await t.admin.gatewayAccounts.create({ type: 'test' })).id;
    const errorsOf = async (res: Response) => {
      const body = (await res.json()) as Envelope;
      expect(body.HttpStatusCode).toBe(res.status);
      return { status: res.status, errors: body.Errors };
    };
    const create = (body: unknown) => call('/v1/migrations', { method: 'POST', key: t.key, body });

    expect(await errorsOf(await create({ source: { kind: 'stripe_account' } }))).toMatchObject({
      status: 400,
      errors: [{ Key: 'Api Error' }, { Key: 'source.gatewayAccountId' }],
    });
    expect(await errorsOf(await create({ source: { kind: 'tape_drive' } }))).toMatchObject({
      status: 400,
      errors: [{ Key: 'Api Error' }, { Key: 'source.kind' }],
    });
    expect(
      await errorsOf(await create({ source: stripeSource(t.accountId), dryRun: 'maybe' })),
    ).toMatchObject({
      status: 400,
      errors: [{ Key: 'Api Error' }, { Key: 'dryRun' }],
    });
    expect(
      await errorsOf(await create({ source: { ...stripeSource(t.accountId), connectedAccounts: ['acct'] } })),
    ).toMatchObject({ status: 400, errors: [{ Key: 'Api Error' }, { Key: 'source.connectedAccounts.0' }] });
    expect(await errorsOf(await create({ source: stripeSource(testAccount) }))).toEqual({
      status: 400,
      errors: [
        {
          Key: 'Api Error',
          Value: `Invalid input: source.gatewayAccountId: gateway account ${testAccount} is not a Stripe account`,
        },
        { Key: 'source.gatewayAccountId', Value: `gateway account ${testAccount} is not a Stripe account` },
      ],
    });
    // A kind this server does not run (yet) is refused by name, before anything is queued. (Those
    // it runs have their own suites.)
    for (const source of [
      { kind: 'export_file', fileId: 1 },
      { kind: 'mapping_file', fileId: 1, gatewayAccountId: t.accountId },
      { kind: 'bulk_export', targetGatewayAccountId: testAccount },
    ].filter((source) => !runsKind(source.kind))) {
      expect(await errorsOf(await create({ source }))).toMatchObject({
        status: 400,
        errors: [
          { Key: 'Api Error' },
          { Key: 'source.kind', Value: `'${source.kind}' jobs are not supported by this server yet` },
        ],
      });
    }
    expect(await errorsOf(await call('/v1/migrations/1/items?limit=5000', { key: t.key }))).toMatchObject({
      status: 400,
      errors: [{ Key: 'Api Error' }, { Key: 'limit' }],
    });
    expect(await errorsOf(await call('/v1/migrations/1/items?outcome=lost', { key: t.key }))).toMatchObject({
      status: 400,
      errors: [{ Key: 'Api Error' }, { Key: 'outcome' }],
    });
    expect(await errorsOf(await call('/v1/migrations/abc/report.csv', { key: t.key }))).toMatchObject({
      status: 400,
      errors: [{ Key: 'Api Error' }, { Key: 'id' }],
    });
    for (const path of [
      '/v1/migrations/999999',
      '/v1/migrations/999999/report.csv',
      '/v1/migrations/999999/id-map.json',
    ]) {
      expect(await errorsOf(await call(path, { key: t.key }))).toEqual({
        status: 404,
        errors: [{ Key: 'Api Error', Value: 'Migration job with id 999999 not found.' }],
      });
    }
    // Another tenant's job is as unknown as a job that does not exist.
    const other = await freshTenant();
    const theirs = await jobOf(
      await call('/v1/migrations', {
        method: 'POST',
        key: other.key,
        body: { source: stripeSource(other.accountId), dryRun: true },
      }),
    );
    for (const path of [`/v1/migrations/${theirs.id}`, `/v1/migrations/${theirs.id}/report.jsonl`]) {
      expect((await call(path, { key: t.key })).status).toBe(404);
    }
  });

  describe('source files', () => {
    /** A raw upload through node:http, so the test decides when each chunk goes. */
    function upload(opts: {
      key: string | null;
      name?: string;
      headers?: Record<string, string>;
      send: (req: http.ClientRequest) => Promise<void> | void;
    }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: unknown }> {
      const query = opts.name === undefined ? '' : `?name=${encodeURIComponent(opts.name)}`;
      return new Promise((resolve, reject) => {
        const req = http.request(`${s.url}/v1/migrations/files${query}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/octet-stream',
            ...(opts.key ? { authorization: `Basic ${opts.key}` } : {}),
            ...opts.headers,
          },
        });
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }),
          );
        });
        // The server may answer (and close) before it has read everything: that is its right.
        req.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
        });
        Promise.resolve(opts.send(req)).catch(reject);
      });
    }

    const uploadBytes = (
      key: string | null,
      name: string,
      bytes: Buffer,
      headers: Record<string, string> = {},
    ) => upload({ key, name, headers, send: (req) => void req.end(bytes) });

    const filesOf = async (tenantId: number) =>
      (await s.app.deps.db.select().from(schema.migrationFiles)).filter((f) => f.tenantId === tenantId);

    const partsOf = async (tenantId: number) =>
      (
        await s.app.deps.db
          .select({ tenantId: schema.migrationFileParts.tenantId, partNo: schema.migrationFileParts.partNo })
          .from(schema.migrationFileParts)
      ).filter((p) => p.tenantId === tenantId);

    async function storedBytes(tenantId: number, fileId: number): Promise<Buffer> {
      const chunks: Buffer[] = [];
      for await (const part of readMigrationFile(s.app.deps, tenantId, fileId)) chunks.push(part);
      return Buffer.concat(chunks);
    }

    const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

    it('streams the body into the database part by part while it still arrives', async () => {
      const t = await freshTenant();
      const head = Buffer.alloc(MiB + MiB / 2, 'a');
      const tail = Buffer.from(`${'b'.repeat(MiB)}\nthe end\n`);
      const answer = await upload({
        key: t.key,
        name: 'export.csv',
        send: async (req) => {
          req.write(head);
          // The first part is in the database before the body is over: nothing waits for the whole file.
          while ((await partsOf(t.tenantId)).length === 0) await new Promise((r) => setTimeout(r, 20));
          expect((await filesOf(t.tenantId)).map((f) => f.complete)).toEqual([false]);
          req.end(tail);
        },
      });
      expect(answer.status).toBe(201);
      const file = migrationFileDto.parse(answer.body);
      expect(file).toMatchObject({ name: 'export.csv', bytes: head.length + tail.length, encrypted: false });
      expect((await partsOf(t.tenantId)).map((p) => p.partNo).sort()).toEqual([0, 1, 2]);
      expect(sha256(await storedBytes(t.tenantId, file.id))).toBe(sha256(Buffer.concat([head, tail])));
      // A clear file is sealed part by part: its text is nowhere in the table.
      const stored = await s.app.deps.db.select().from(schema.migrationFileParts);
      expect(JSON.stringify(stored)).not.toContain('the end');

      // The file is what a job's source names: a plan of it, or the refusal of a server that does
      // not run export-file jobs (yet).
      const job = await call('/v1/migrations', {
        method: 'POST',
        key: t.key,
        body: {
          source: { kind: 'export_file', fileId: file.id, gatewayAccountId: t.accountId },
          dryRun: true,
        },
      });
      const refusal = {
        Key: 'source.kind',
        Value: "'export_file' jobs are not supported by this server yet",
      };
      if (runsKind('export_file')) {
        // The kind judges the plan by its own rules (its suite covers them): here only that it was reached.
        expect(JSON.stringify(await job.json())).not.toContain(refusal.Value);
      } else {
        expect(job.status).toBe(400);
        expect(((await job.json()) as Envelope).Errors[1]).toEqual(refusal);
      }
    });

    it('keeps an OpenPGP file as it came, and says it is encrypted', async () => {
      const t = await freshTenant();
      const armored = Buffer.from(
        '-----BEGIN PGP MESSAGE-----\n\nhQEMA8kbPWh1aUAr\n-----END PGP MESSAGE-----\n',
      );
      const answer = await uploadBytes(t.key, 'export.csv.pgp', armored);
      expect(answer.status).toBe(201);
      const file = migrationFileDto.parse(answer.body);
      expect(file).toMatchObject({ bytes: armored.length, encrypted: true });
      expect(await storedBytes(t.tenantId, file.id)).toEqual(armored);
    });

    it('refuses a file over the cap with a 413: at once when Content-Length says so, else as it passes it', async () => {
      const t = await freshTenant();
      const declared = await upload({
        key: t.key,
        name: 'big.csv',
        headers: { 'content-length': String(maxUploadBytes + 1) },
        // Nothing but the headers is sent: the answer comes from them alone.
        send: (req) => req.flushHeaders(),
      });
      expect(declared).toMatchObject({
        status: 413,
        // The declared rest is read and thrown away, not cut: a client still sending gets to read
        // this answer instead of a failed write.
        headers: { connection: 'keep-alive' },
        body: {
          HttpStatusCode: 413,
          Errors: [
            {
              Key: 'Api Error',
              Value: `The file is larger than the ${maxUploadBytes} bytes an upload may hold.`,
            },
          ],
        },
      });
      const streamed = await upload({
        key: t.key,
        name: 'big.csv',
        send: async (req) => {
          // Chunked: no length up front; the server counts.
          for (let sent = 0; sent <= maxUploadBytes && !req.destroyed; sent += MiB) {
            if (!req.write(Buffer.alloc(MiB, 'x'))) await new Promise((r) => req.once('drain', r));
          }
          req.end();
        },
      });
      // Of unknown length, the rest is not waited for: the connection closes after the answer.
      expect(streamed).toMatchObject({
        status: 413,
        headers: { connection: 'close' },
        body: { HttpStatusCode: 413 },
      });
      // What was stored of it went with the refusal.
      expect(await filesOf(t.tenantId)).toEqual([]);
    });

    it('names the field for a bad name, an empty body, a form-encoded body and a malformed Idempotency-Key', async () => {
      const t = await freshTenant();
      const card = '4242424242424242';
      const cases: [Promise<{ status: number; body: unknown }>, number, string][] = [
        [uploadBytes(t.key, undefined as unknown as string, Buffer.from('x')), 400, 'name'],
        [uploadBytes(t.key, '', Buffer.from('x')), 400, 'name'],
        [uploadBytes(t.key, 'a\u0000b.csv', Buffer.from('x')), 400, 'name'],
        [uploadBytes(t.key, `cards ${card}.csv`, Buffer.from('x')), 400, 'name'],
        [uploadBytes(t.key, 'empty.csv', Buffer.alloc(0)), 400, 'file'],
        [uploadBytes(t.key, 'x.csv', Buffer.from('x'), { 'Idempotency-Key': 'é' }), 400, 'Idempotency-Key'],
      ];
      for (const [answer, status, field] of cases) {
        const { status: got, body } = await answer;
        expect(got, JSON.stringify(body)).toBe(status);
        expect((body as Envelope).Errors.map((e) => e.Key)).toEqual(['Api Error', field]);
        expect(JSON.stringify(body)).not.toContain(card);
      }
      const form = await uploadBytes(t.key, 'x.csv', Buffer.from('a=1'), {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(form).toMatchObject({ status: 415, body: { HttpStatusCode: 415 } });
      // Nothing of these was kept as a file.
      expect((await filesOf(t.tenantId)).filter((f) => f.complete)).toEqual([]);
    });

    it('replays the same upload under the same Idempotency-Key; other bytes under it are a 422', async () => {
      const t = await freshTenant();
      const bytes = Buffer.from('customer,card\ncus_1,card_1\n');
      const first = await uploadBytes(t.key, 'map.csv', bytes, { 'Idempotency-Key': 'upload-1' });
      expect(first.status).toBe(201);
      const again = await uploadBytes(t.key, 'map.csv', bytes, { 'Idempotency-Key': 'upload-1' });
      expect(again).toMatchObject({
        status: 201,
        headers: { 'idempotent-replayed': 'true' },
        body: first.body,
      });
      const other = await uploadBytes(t.key, 'map.csv', Buffer.from('customer,card\ncus_2,card_2\n'), {
        'Idempotency-Key': 'upload-1',
      });
      expect(other).toMatchObject({ status: 422, body: { HttpStatusCode: 422 } });
      expect((await filesOf(t.tenantId)).filter((f) => f.complete)).toHaveLength(1);

      // Two at once under one key (on PostgreSQL, truly at once): one file, the other answer its replay.
      const twins = await Promise.all(
        [1, 2].map(() => uploadBytes(t.key, 'twin.csv', bytes, { 'Idempotency-Key': 'upload-twins' })),
      );
      expect(twins.map((a) => a.status)).toEqual([201, 201]);
      expect(twins[0]!.body).toEqual(twins[1]!.body);
      expect(twins.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(1);
      expect((await filesOf(t.tenantId)).filter((f) => f.complete)).toHaveLength(2);
    });

    it('lets an upload take longer than the request deadline while it keeps coming; a stalled JSON body is cut', async () => {
      const t = await freshTenant();
      const chunk = Buffer.alloc(64 * 1024, 'z');
      const rounds = Math.ceil((requestTimeoutMs * 1.5) / 250);
      const slow = await upload({
        key: t.key,
        name: 'slow.csv',
        send: async (req) => {
          for (let i = 0; i < rounds; i++) {
            req.write(chunk);
            await new Promise((r) => setTimeout(r, 250));
          }
          req.end();
        },
      });
      expect(slow.status).toBe(201);
      expect(migrationFileDto.parse(slow.body).bytes).toBe(rounds * chunk.length);

      const stalled = await new Promise<number>((resolve, reject) => {
        const req = http.request(`${s.url}/v1/migrations`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${t.key}`,
            'content-type': 'application/json',
            'content-length': '100',
          },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.write('{"source":');
      });
      expect(stalled).toBe(408);
    }, 60_000);
  });

  const uploadBytesFetch = (path: string, key: string | null) =>
    fetch(`${s.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        ...(key ? { authorization: `Basic ${key}` } : {}),
      },
      body: 'customer,card\n',
    });

  it('every stream route needs the scope of its operation: 401 without a key, 403 without the scope', async () => {
    const t = await freshTenant();
    const job = await jobOf(
      await call('/v1/migrations', {
        method: 'POST',
        key: t.key,
        body: { source: stripeSource(t.accountId), dryRun: true },
      }),
    );
    for (const route of streamRoutes) {
      const required = streamOperationScopes[route.operation];
      const path = route.path.replace('{id}', String(job.id));
      const send = (key: string | null) =>
        route.requestBody
          ? uploadBytesFetch(`${path}?name=scoped.csv`, key)
          : call(path, { method: route.method, key });
      const without = await t.keyWith(['read', 'write', 'cards:intake', 'cards:export']);
      const denied = await send(without);
      expect(denied.status, `${route.method} ${route.path}`).toBe(403);
      expect(((await denied.json()) as Envelope).Errors[0]!.Value).toBe(
        `This API key lacks the '${required}' scope.`,
      );
      expect((await send(null)).status).toBe(401);
      const allowed = await send(await t.keyWith([required]));
      expect(allowed.status, `${route.method} ${route.path}`).toBeLessThan(300);
    }
    // The JSON routes are the procedures' (the access matrix covers them): one spot check.
    const readOnly = await t.keyWith(['read']);
    expect((await call('/v1/migrations', { key: readOnly })).status).toBe(403);
  });

  it('describes the stream routes in /openapi.json with their media types', async () => {
    const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: object }; responses: Record<string, { content: object }> }>
      >;
    };
    for (const route of streamRoutes) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op, route.path).toBeDefined();
      expect(Object.keys(op!.responses[String(route.response.status)]!.content)).toEqual([
        route.response.mediaType,
      ]);
    }
    const upload = doc.paths['/v1/migrations/files']!.post!;
    expect(Object.keys(upload.requestBody!.content)).toContain('application/octet-stream');
    expect(JSON.stringify(doc.paths['/v1/migrations']!.post)).toContain('stripe_account');
  });
});
