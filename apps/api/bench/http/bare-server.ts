/**
 * The benchmark's baseline: a bare `node:http` + postgres.js server doing the same work as
 * cardbridge for the benchmarked calls — look the key up by its id, compare its hash, run the
 * same SQL, write the same JSON — and nothing else (no tRPC, no zod, no Drizzle, no logging,
 * no rate limit, no audit of reads). It lives in the benchmark only.
 *
 * Run by run.ts as a child process: `DATABASE_URL=… node --import tsx bare-server.ts`; it
 * prints `listening <port>` on stdout.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toCustomerDto, toPaymentMethodDto } from '@cardbridge/core';
import postgres from 'postgres';
import { toFusebillPaymentMethod } from '../../src/rest/fusebill-dto.js';
import { pageNumberHeaders } from '../../src/rest/paging.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
// The pool size cardbridge uses (packages/db/src/client.ts).
const sql = postgres(url, { max: 10, onnotice: () => {} });

const paymentMethodColumns = `pm.id, pm.tenant_id as "tenantId", pm.customer_id as "customerId",
  pm.gateway_account_id as "gatewayAccountId", pm.status, pm.original_payment_method_id as "originalPaymentMethodId",
  pm.external_customer_id as "externalCustomerId", pm.external_card_id as "externalCardId",
  pm.stored_in_vault as "storedInVault", pm.fingerprint, pm.card_type as "cardType",
  pm.masked_card_number as "maskedCardNumber", pm.expiration_month as "expirationMonth",
  pm.expiration_year as "expirationYear", pm.first_name as "firstName", pm.last_name as "lastName",
  pm.address1, pm.address2, pm.country_id as "countryId", pm.country, pm.state_id as "stateId", pm.state,
  pm.city, pm.postal_zip as "postalZip", pm.email, pm.is_default as "isDefault",
  pm.created_at as "createdAt", pm.modified_at as "modifiedAt"`;

const customerColumns = `id, tenant_id as "tenantId", first_name as "firstName", last_name as "lastName", email,
  company_name as "companyName", reference, created_at as "createdAt", modified_at as "modifiedAt"`;

type Row = Record<string, unknown>;

interface Key {
  tenantId: number;
  keyId: string;
}

const keyPattern = /^Basic cbk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** The key by its id, its hash compared: one round trip. */
async function authenticate(req: IncomingMessage): Promise<Key | null> {
  const m = keyPattern.exec(req.headers.authorization ?? '');
  if (!m) return null;
  const [row] = await sql<
    { tenantId: number; secretHash: string; revokedAt: Date | null; scopes: string[] }[]
  >`
    select tenant_id as "tenantId", secret_hash as "secretHash", revoked_at as "revokedAt", scopes
    from api_keys where key_id = ${m[1]!}`;
  if (!row || row.revokedAt) return null;
  const a = createHash('sha256').update(m[2]!).digest();
  const b = Buffer.from(row.secretHash, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
  if (!row.scopes.includes('read') && !row.scopes.includes('write')) return null;
  return { tenantId: row.tenantId, keyId: m[1]! };
}

/** The customer's check and its newest active cards in one statement (as cardbridge's list). */
async function listCards(tenantId: number, customerId: number, limit: number) {
  const rows = await sql.unsafe<Row[]>(
    `select c.id as "customerFound", ${paymentMethodColumns}
     from customers c
     left join lateral (
       select * from payment_methods p
       where p.tenant_id = $1 and p.customer_id = $2 and p.status = 'active'
       order by p.id desc limit $3
     ) pm on true
     where c.tenant_id = $1 and c.id = $2`,
    [tenantId, customerId, limit + 1],
  );
  if (rows.length === 0) return null;
  const cards = rows.filter((r) => r.id !== null);
  return {
    data: cards.slice(0, limit).map((r) => toPaymentMethodDto(r as never)),
    hasMore: cards.length > limit,
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

const trpcResult = (data: unknown) => ({ result: { data } });

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function queryInput(search: string): Record<string, number> {
  const raw = new URLSearchParams(search).get('input');
  return raw ? JSON.parse(raw) : {};
}

async function audit(tx: postgres.TransactionSql, key: Key, action: string, targetId: number) {
  await tx`insert into audit_events (tenant_id, actor_key_id, action, target_type, target_id, outcome, origin, details)
    values (${key.tenantId}, ${key.keyId}, ${action}, ${action.split('.')[0]!}, ${String(targetId)}, 'success',
      'bench', ${sql.json({ requestId: randomUUID() })})`;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [path = '', search = ''] = (req.url ?? '/').split('?');
  const key = await authenticate(req);
  if (!key) return send(res, 401, { error: 'unauthenticated' });

  if (path === '/trpc/paymentMethods.list') {
    const input = queryInput(search);
    const page = await listCards(key.tenantId, input.customerId!, input.limit ?? 10);
    return page ? send(res, 200, trpcResult(page)) : send(res, 404, { error: 'customer not found' });
  }
  if (path === '/trpc/paymentMethods.get') {
    const { id } = queryInput(search);
    const [row] = await sql.unsafe<Row[]>(
      `select ${paymentMethodColumns} from payment_methods pm where pm.tenant_id = $1 and pm.id = $2`,
      [key.tenantId, id!],
    );
    return row ? send(res, 200, trpcResult(toPaymentMethodDto(row as never))) : send(res, 404, {});
  }
  if (path === '/trpc/customers.list') {
    const { limit = 10 } = queryInput(search);
    const rows = await sql.unsafe<Row[]>(
      `select ${customerColumns} from customers where tenant_id = $1 order by id desc limit $2`,
      [key.tenantId, limit + 1],
    );
    const data = rows.slice(0, limit).map((r) => toCustomerDto(r as never));
    return send(res, 200, trpcResult({ data, hasMore: rows.length > limit }));
  }
  const rest = /^\/v1\/customers\/(\d+)\/paymentMethods\/creditCard$/.exec(path);
  if (rest) {
    const page = await listCards(key.tenantId, Number(rest[1]), 100);
    if (!page) return send(res, 404, {});
    const headers = {
      'x-request-id': randomUUID(),
      'X-Has-More': String(page.hasMore),
      ...pageNumberHeaders({
        pageNumber: 0,
        pageSize: 100,
        count: page.data.length,
        total: page.data.length,
      }),
    };
    return send(res, 200, page.data.map(toFusebillPaymentMethod), headers);
  }
  if (path === '/trpc/customers.create' && req.method === 'POST') {
    const input = (await readBody(req)) as { firstName?: string };
    const row = await sql.begin(async (tx) => {
      const [customer] = await tx.unsafe<Row[]>(
        `insert into customers (tenant_id, first_name) values ($1, $2) returning ${customerColumns}`,
        [key.tenantId, input.firstName ?? null],
      );
      await audit(tx, key, 'customers.create', (customer as { id: number }).id);
      return customer!;
    });
    return send(res, 200, trpcResult(toCustomerDto(row as never)));
  }
  if (path === '/trpc/paymentMethods.setDefault' && req.method === 'POST') {
    const { id } = (await readBody(req)) as { id: number };
    const [found] = await sql<{ customerId: number }[]>`
      select customer_id as "customerId" from payment_methods where tenant_id = ${key.tenantId} and id = ${id}`;
    if (!found) return send(res, 404, {});
    const row = await sql.begin(async (tx) => {
      await tx`select id from customers where tenant_id = ${key.tenantId} and id = ${found.customerId} for update`;
      let [card] = await tx.unsafe<Row[]>(
        `select ${paymentMethodColumns} from payment_methods pm where pm.tenant_id = $1 and pm.id = $2`,
        [key.tenantId, id],
      );
      if (!(card as { isDefault: boolean }).isDefault) {
        await tx`update payment_methods set is_default = false
          where tenant_id = ${key.tenantId} and customer_id = ${found.customerId} and is_default`;
        [card] = await tx.unsafe<Row[]>(
          `update payment_methods pm set is_default = true, modified_at = now()
           where pm.tenant_id = $1 and pm.id = $2 returning ${paymentMethodColumns}`,
          [key.tenantId, id],
        );
      }
      await audit(tx, key, 'paymentMethods.setDefault', id);
      return card!;
    });
    return send(res, 200, trpcResult(toPaymentMethodDto(row as never)));
  }
  send(res, 404, { error: 'no route' });
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    // A connection autocannon closed at the end of a run is not worth a line.
    if (req.destroyed) return;
    process.stderr.write(`bare server: ${String(err)}\n`);
    if (!res.headersSent) send(res, 500, { error: 'internal' });
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
const stop = () => {
  server.close();
  server.closeAllConnections();
  void sql.end({ timeout: 1 }).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
