/**
 * `pnpm bench:http`: cardbridge's HTTP server against a bare node:http + postgres.js server
 * (bare-server.ts) doing the same work, on the same database and data, under autocannon.
 *
 * Both servers run as child processes; only one is under load at a time, in alternating
 * rounds (the order flips every round), and every ratio is taken between the two runs of one
 * round. The machine is shared, so each figure is printed as a range over the rounds.
 *
 *   pnpm bench:http                              PostgreSQL at DATABASE_URL (default: the dev server)
 *   pnpm bench:http --db pglite                  cardbridge alone on the embedded database: RSS
 *                                                on a first and a second start, and its req/s
 *   options: --rounds 5 --duration 5 --connections 50 --only list,get,customers,rest,create,default
 *
 * A fresh database is created on the PostgreSQL server for the run and dropped at its end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import type { AppRouter } from '@cardbridge/api';
import { MasterKey } from '@cardbridge/core';
import { createTRPCClient, httpLink } from '@trpc/client';
import autocannon from 'autocannon';
import postgres from 'postgres';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'postgres' },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const connections = Number(args.connections);
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres';
const apiDir = path.resolve(import.meta.dirname, '../..');

// ---------------------------------------------------------------- child processes

interface Child {
  name: string;
  url: string;
  proc: ChildProcess;
  rssAfterStartMb: number;
  startMs: number;
}

const rssMb = async (pid: number): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
};

/** Starts `script` under tsx with stdout to `logFile`; resolves once `ready` matches the log. */
async function startChild(
  name: string,
  script: string,
  env: Record<string, string>,
  logFile: string,
  ready: RegExp,
): Promise<Child> {
  const log = await open(logFile, 'w');
  const started = performance.now();
  // BENCH_CPU_PROF=<dir>: a CPU profile of each server, written when it stops.
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const proc = spawn(process.execPath, [...profile, '--import', 'tsx', script], {
    cwd: apiDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', log.fd, 'inherit'],
  });
  await log.close();
  const exited = new Promise<never>((_, reject) =>
    proc.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it listened`))),
  );
  for (;;) {
    const text = await readFile(logFile, 'utf8');
    const m = ready.exec(text);
    if (m) {
      const startMs = Math.round(performance.now() - started);
      // Let start-up work that follows the listen (the first purge, recovery) settle.
      await new Promise((r) => setTimeout(r, 500));
      return { name, url: m[1]!, proc, startMs, rssAfterStartMb: await rssMb(proc.pid!) };
    }
    await Promise.race([new Promise((r) => setTimeout(r, 50)), exited]);
  }
}

async function stopChild(child: Child): Promise<void> {
  if (child.proc.exitCode !== null) return;
  const exited = new Promise((r) => child.proc.once('exit', r));
  child.proc.kill('SIGTERM');
  await exited;
}

async function startCardbridge(env: Record<string, string>, logFile: string): Promise<Child> {
  return startChild(
    'cardbridge',
    path.join(apiDir, 'src/main.ts'),
    {
      NODE_ENV: 'production',
      PORT: '0',
      LOG_LEVEL: 'info',
      // One key drives all the load: its per-key limit still runs, set far above the load.
      CARDBRIDGE_RATE_LIMIT_PER_KEY: '1000000',
      ...env,
    },
    logFile,
    /listening on (http:\/\/\S+)/,
  );
}

// ---------------------------------------------------------------- data

interface Data {
  key: string;
  listCustomerId: number;
  cardId: number;
  /** Cards of the setDefault customers, two per customer. */
  defaultCards: number[];
}

async function seed(url: string, bootstrapKey: string): Promise<Data> {
  const client = (key: string) =>
    createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${url}/trpc`, headers: { authorization: `Basic ${key}` } })],
    });
  const platform = client(bootstrapKey);
  const { adminKey } = await platform.tenants.create.mutate({ name: 'Bench tenant' });
  const admin = client(adminKey.secret);
  const { secret: key } = await admin.apiKeys.create.mutate({ name: 'bench', scopes: ['read', 'write'] });
  const addCard = (customerId: number) =>
    admin.paymentMethods.createFromToken.mutate({ customerId, token: 'tok_visa', firstName: 'Bench' });
  const listCustomer = await admin.customers.create.mutate({ firstName: 'List', lastName: 'Bench' });
  let cardId = 0;
  for (let i = 0; i < 10; i++) cardId = (await addCard(listCustomer.id)).id;
  const defaultCards: number[] = [];
  for (let c = 0; c < 50; c++) {
    const customer = await admin.customers.create.mutate({ firstName: `Default ${c}` });
    for (let i = 0; i < 2; i++) defaultCards.push((await addCard(customer.id)).id);
  }
  return { key, listCustomerId: listCustomer.id, cardId, defaultCards };
}

// ---------------------------------------------------------------- scenarios

interface Scenario {
  id: string;
  label: string;
  write: boolean;
  method: 'GET' | 'POST';
  path: (d: Data) => string;
  /** A body per request (writes). */
  body?: (d: Data) => () => string;
}

const trpcGet = (procedure: string, input: unknown) =>
  `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;

const scenarios: Scenario[] = [
  {
    id: 'list',
    label: 'tRPC paymentMethods.list (10 cards)',
    write: false,
    method: 'GET',
    path: (d) => trpcGet('paymentMethods.list', { customerId: d.listCustomerId, limit: 10 }),
  },
  {
    id: 'get',
    label: 'tRPC paymentMethods.get',
    write: false,
    method: 'GET',
    path: (d) => trpcGet('paymentMethods.get', { id: d.cardId }),
  },
  {
    id: 'customers',
    label: 'tRPC customers.list (10)',
    write: false,
    method: 'GET',
    path: () => trpcGet('customers.list', { limit: 10 }),
  },
  {
    id: 'rest',
    label: 'REST GET /v1/customers/{id}/paymentMethods/creditCard',
    write: false,
    method: 'GET',
    path: (d) => `/v1/customers/${d.listCustomerId}/paymentMethods/creditCard`,
  },
  {
    id: 'create',
    label: 'tRPC customers.create',
    write: true,
    method: 'POST',
    path: () => '/trpc/customers.create',
    body: () => () => JSON.stringify({ firstName: 'Bench', lastName: 'Load' }),
  },
  {
    id: 'default',
    label: 'tRPC paymentMethods.setDefault',
    write: true,
    method: 'POST',
    path: () => '/trpc/paymentMethods.setDefault',
    // Round-robin over 100 cards of 50 customers: every call moves a default.
    body: (d) => {
      let i = 0;
      return () => JSON.stringify({ id: d.defaultCards[i++ % d.defaultCards.length] });
    },
  },
];

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  failures: number;
  /** The server's CPU time (user + system) per answered request, in µs. */
  cpuUs: number;
}

/** CPU time of a process so far, in ms (utime + stime from /proc, clock ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function load(target: Child, scenario: Scenario, data: Data, seconds: number): Promise<Sample> {
  const nextBody = scenario.body?.(data);
  const cpuBefore = await cpuMs(target.proc.pid!);
  const result = await autocannon({
    url: target.url,
    connections,
    duration: seconds,
    headers: { authorization: `Basic ${data.key}`, 'content-type': 'application/json' },
    requests: [
      {
        method: scenario.method,
        path: scenario.path(data),
        ...(nextBody ? { setupRequest: (req: object) => ({ ...req, body: nextBody() }) } : {}),
      },
    ],
  });
  const cpuUsed = (await cpuMs(target.proc.pid!)) - cpuBefore;
  return {
    cpuUs: (cpuUsed * 1000) / Math.max(1, result.requests.total),
    rps: result.requests.total / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

/** Both servers must answer a read with the same status and JSON (and the REST paging headers). */
async function checkSameAnswers(servers: Child[], scenario: Scenario, data: Data): Promise<void> {
  const answers = await Promise.all(
    servers.map(async (s) => {
      const res = await fetch(`${s.url}${scenario.path(data)}`, {
        headers: { authorization: `Basic ${data.key}` },
      });
      const headers = Object.fromEntries(
        [...res.headers].filter(([name]) => name.startsWith('x-') && name !== 'x-request-id'),
      );
      return { status: res.status, body: await res.json(), headers };
    }),
  );
  if (!isDeepStrictEqual(answers[0], answers[1])) {
    throw new Error(
      `${scenario.id}: the servers answer differently:\n${JSON.stringify(answers[0])}\n${JSON.stringify(answers[1])}`,
    );
  }
}

// ---------------------------------------------------------------- report

const range = (xs: number[], digits = 0) => {
  const lo = Math.min(...xs).toFixed(digits);
  const hi = Math.max(...xs).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
};

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** A ratio's range over the rounds, and its median. */
const ratioRange = (xs: number[]) => `${range(xs, 2)} (med ${median(xs).toFixed(2)})`;

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [n, r] of rows.entries()) {
    console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

// ---------------------------------------------------------------- runs

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cardbridge-bench-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const selected = () => {
  const only = args.only?.split(',');
  return scenarios.filter((s) => !only || only.includes(s.id));
};

async function runPostgres(): Promise<void> {
  const name = `cardbridge_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const dbUrl = new URL(serverUrl);
  dbUrl.pathname = `/${name}`;
  const children: Child[] = [];
  try {
    await withTempDir(async (dir) => {
      const cardbridge = await startCardbridge(
        {
          DATABASE_URL: dbUrl.toString(),
          CARDBRIDGE_DATA_DIR: dir,
          CARDBRIDGE_MASTER_KEY: MasterKey.generateBase64(),
        },
        path.join(dir, 'cardbridge.log'),
      );
      children.push(cardbridge);
      const bootstrapKey = (await readFile(path.join(dir, 'bootstrap-admin.key'), 'utf8')).trim();
      const data = await seed(cardbridge.url, bootstrapKey);
      const bare = await startChild(
        'bare',
        path.join(apiDir, 'bench/http/bare-server.ts'),
        { DATABASE_URL: dbUrl.toString(), PORT: '0' },
        path.join(dir, 'bare.log'),
        /listening (\d+)/,
      );
      bare.url = `http://127.0.0.1:${bare.url}`;
      children.push(bare);
      const pair = [cardbridge, bare];

      console.log(
        `PostgreSQL ${(await admin`show server_version`)[0]!.server_version}; ${connections} connections, ` +
          `${rounds} rounds × ${duration} s per server and call, alternating; node ${process.version}`,
      );
      const table: string[][] = [
        [
          'call',
          'cardbridge req/s',
          'bare req/s',
          'req/s ratio',
          'cb p50/p99 ms',
          'bare p50/p99 ms',
          'p99 ratio',
          'CPU µs/req cb / bare (bare÷cb)',
          'goal',
        ],
      ];
      for (const scenario of selected()) {
        if (!scenario.write) await checkSameAnswers(pair, scenario, data);
        for (const s of pair) await load(s, scenario, data, warmup);
        const samples = new Map<Child, Sample[]>(pair.map((s) => [s, []]));
        for (let round = 0; round < rounds; round++) {
          const order = round % 2 === 0 ? pair : [...pair].reverse();
          for (const s of order) samples.get(s)!.push(await load(s, scenario, data, duration));
        }
        const cb = samples.get(cardbridge)!;
        const bs = samples.get(bare)!;
        const failures = [...cb, ...bs].reduce((n, s) => n + s.failures, 0);
        if (failures > 0) console.log(`  ! ${scenario.id}: ${failures} non-2xx answers or errors`);
        const rpsRatios = cb.map((s, i) => s.rps / bs[i]!.rps);
        const p99Ratios = cb.map((s, i) => s.p99 / bs[i]!.p99);
        const minRps = scenario.write ? 0.5 : 0.6;
        // Judged on the median round: one round stretched by another engineer's build is noise.
        const met = median(rpsRatios) >= minRps && (scenario.write || median(p99Ratios) <= 2);
        table.push([
          scenario.label,
          range(cb.map((s) => s.rps)),
          range(bs.map((s) => s.rps)),
          ratioRange(rpsRatios),
          `${range(cb.map((s) => s.p50))} / ${range(cb.map((s) => s.p99))}`,
          `${range(bs.map((s) => s.p50))} / ${range(bs.map((s) => s.p99))}`,
          ratioRange(p99Ratios),
          `${range(cb.map((s) => s.cpuUs))} / ${range(bs.map((s) => s.cpuUs))} (${range(
            cb.map((s, i) => bs[i]!.cpuUs / s.cpuUs),
            2,
          )})`,
          `${met ? 'met' : 'not met'} (median ≥ ${minRps}×${scenario.write ? '' : ', p99 ≤ 2×'})`,
        ]);
        console.log(`  done: ${scenario.id}`);
      }
      console.log();
      printTable(table);
      console.log();
      console.log(
        `RSS: cardbridge ${cardbridge.rssAfterStartMb} MB after start, ${await rssMb(cardbridge.proc.pid!)} MB after the load; ` +
          `bare ${bare.rssAfterStartMb} MB after start, ${await rssMb(bare.proc.pid!)} MB after the load`,
      );
    });
  } finally {
    for (const c of children) await stopChild(c);
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/** The embedded database: RSS after a first start (initdb) and after a second, and req/s alone. */
async function runPglite(): Promise<void> {
  await withTempDir(async (dir) => {
    const env = { CARDBRIDGE_DATA_DIR: dir, CARDBRIDGE_MASTER_KEY: MasterKey.generateBase64() };
    const first = await startCardbridge(env, path.join(dir, 'first.log'));
    let data: Data;
    try {
      const bootstrapKey = (await readFile(path.join(dir, 'bootstrap-admin.key'), 'utf8')).trim();
      data = await seed(first.url, bootstrapKey);
    } finally {
      await stopChild(first);
    }
    const second = await startCardbridge(env, path.join(dir, 'second.log'));
    try {
      console.log(
        `PGlite (embedded); ${connections} connections, ${rounds} rounds × ${duration} s; node ${process.version}`,
      );
      const table: string[][] = [['call', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req']];
      for (const scenario of selected()) {
        await load(second, scenario, data, warmup);
        const samples: Sample[] = [];
        for (let round = 0; round < rounds; round++)
          samples.push(await load(second, scenario, data, duration));
        const failures = samples.reduce((n, s) => n + s.failures, 0);
        if (failures > 0) console.log(`  ! ${scenario.id}: ${failures} non-2xx answers or errors`);
        table.push([
          scenario.label,
          range(samples.map((s) => s.rps)),
          range(samples.map((s) => s.p50)),
          range(samples.map((s) => s.p99)),
          range(samples.map((s) => s.cpuUs)),
        ]);
      }
      console.log();
      printTable(table);
      console.log();
      console.log(
        `RSS: first start (new data dir) ${first.rssAfterStartMb} MB after ${first.startMs} ms; ` +
          `second start ${second.rssAfterStartMb} MB after ${second.startMs} ms; ` +
          `${await rssMb(second.proc.pid!)} MB after the load`,
      );
    } finally {
      await stopChild(second);
    }
  });
}

if (args.db === 'pglite') await runPglite();
else await runPostgres();
