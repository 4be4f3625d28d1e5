import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestListener } from '../src/http/server.js';
import { startTestServer } from './helpers.js';

/*
 * The direct path for single tRPC calls (src/http/trpc-handler.ts) must answer exactly as
 * tRPC's standalone handler does: the same status, JSON and headers, success or error. The
 * reference is the same server's listener with the direct path off, over the same deps.
 */

type Server = Awaited<ReturnType<typeof startTestServer>>;

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string | null>;
}

/** What a client sees; `Date`, framing and the stack's frames (which differ by path) left out. */
async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  const error = (body as { error?: { data?: { stack?: string } } })?.error;
  if (error?.data?.stack) error.data.stack = '(stack)';
  const headers: Record<string, string | null> = {};
  for (const name of ['content-type', 'vary', 'retry-after', 'allow', 'idempotent-replayed'])
    headers[name] = res.headers.get(name);
  return { status: res.status, body, headers };
}

/** Ids and timestamps a second create cannot repeat. */
function normalized(a: Answer): Answer {
  return JSON.parse(
    JSON.stringify(a)
      .replace(/"id":\d+/g, '"id":0')
      .replace(/"(createdDate|modifiedDate)":"[^"]+"/g, '"$1":"…"'),
  );
}

describe('tRPC direct path answers as the standalone handler', () => {
  let s: Server;
  let reference: HttpServer;
  let referenceUrl: string;
  let auth: Record<string, string> = {};

  beforeAll(async () => {
    s = await startTestServer();
    reference = createServer(createRequestListener(s.app.deps, { directTrpcCalls: false }));
    await new Promise<void>((resolve) => reference.listen(0, '127.0.0.1', resolve));
    referenceUrl = `http://127.0.0.1:${(reference.address() as AddressInfo).port}`;
    auth = { authorization: `Basic ${s.bootstrapKey}` };
  });
  afterAll(async () => {
    await new Promise((resolve) => reference.close(resolve));
    await s.app.close();
  });

  async function both(path: string, init: RequestInit = {}): Promise<[Answer, Answer]> {
    const direct = await answerOf(await fetch(`${s.url}${path}`, init));
    const standard = await answerOf(await fetch(`${referenceUrl}${path}`, init));
    return [direct, standard];
  }

  const get = (procedure: string, input?: string) =>
    `/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(input)}`}`;

  // Headers are built inside each test: the bootstrap key exists only once beforeAll ran.
  const keyHeaders = (key: 'bootstrap' | 'none' | 'wrong'): Record<string, string> =>
    key === 'bootstrap'
      ? auth
      : key === 'wrong'
        ? { authorization: 'Basic cbk_000000000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }
        : {};

  it.each([
    ['a query with input', get('customers.list', '{"limit":2}'), 'bootstrap'],
    ['a query without input', get('customers.list'), 'bootstrap'],
    ['a query whose input fails validation', get('customers.get', '{"id":-1}'), 'bootstrap'],
    ['a query with unknown keys', get('customers.list', '{"limit":2,"extra":1}'), 'bootstrap'],
    ['a query whose input is not JSON', get('customers.list', '{limit'), 'bootstrap'],
    ['a query for a missing row', get('customers.get', '{"id":999999}'), 'bootstrap'],
    ['a query without a key', get('customers.list', '{}'), 'none'],
    ['a query with a wrong key', get('customers.list', '{}'), 'wrong'],
    ['a query of an unknown procedure', get('customers.nothing', '{}'), 'bootstrap'],
    ['a mutation sent as GET', get('customers.create', '{}'), 'bootstrap'],
    ['a batch', '/trpc/customers.list,customers.get?batch=1&input={"0":{},"1":{"id":1}}', 'bootstrap'],
  ] as const)('%s', async (_name, path, key) => {
    const [direct, standard] = await both(path, { headers: keyHeaders(key) });
    expect(direct).toEqual(standard);
    if (key === 'bootstrap' && !path.includes('nothing') && !path.includes('create'))
      expect(direct.status).not.toBe(401);
  });

  const post = (body: string, headers: Record<string, string> = {}): RequestInit => ({
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', ...headers },
    body,
  });

  it.each([
    ['a mutation', () => post('{"firstName":"Ada"}'), 200],
    ['a mutation whose input fails validation', () => post('{"email":"not an email"}'), 400],
    ['a mutation whose body is not JSON', () => post('{firstName'), undefined],
    ['a mutation with an empty body', () => post(''), undefined],
    [
      'a mutation with a bad Idempotency-Key',
      () => post('{"firstName":"Ada"}', { 'idempotency-key': 'ü' }),
      400,
    ],
    [
      'a mutation without a JSON content type',
      () => ({ ...post('{"firstName":"Ada"}'), headers: auth }),
      415,
    ],
  ] as const)('%s', async (_name, init, status) => {
    const [direct, standard] = await both('/trpc/customers.create', init());
    expect(normalized(direct)).toEqual(normalized(standard));
    if (status !== undefined) expect(direct.status).toBe(status);
  });

  it('replays an Idempotency-Key on both paths alike', async () => {
    const init = post('{"firstName":"Replay"}', { 'idempotency-key': 'trpc-handler-replay' });
    const first = await answerOf(await fetch(`${s.url}/trpc/customers.create`, init));
    const [direct, standard] = await both('/trpc/customers.create', init);
    expect(direct.headers['idempotent-replayed']).toBe('true');
    expect(direct).toEqual(standard);
    expect(direct.body).toEqual(first.body);
  });
});
