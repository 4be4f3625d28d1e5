import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  apiError,
  echo,
  invalidApiKey,
  invalidRequest,
  missingApiKey,
  noAccessToAccount,
  rateLimited,
  StripeApiError,
  unrecognizedUrl,
} from './errors.js';
import { applyExpand } from './expand.js';
import { FaultQueue, PLATFORM, RandomFaults, RateLimiter, validateFault } from './faults.js';
import { type FormObject, list, parseForm } from './form.js';
import { IdempotencyStore } from './idempotency.js';
import { newId } from './ids.js';
import { checkParams, ENDPOINT_PARAMS } from './params.js';
import { type Counted, RequestStats } from './request-stats.js';
import type { Router } from './router.js';
import { createRouter, PUBLISHABLE_ENDPOINTS } from './routes.js';
import { DEMO_CONNECT_CUSTOMERS, formatSeedTable, parseSeed, seedDemo } from './seed.js';
import { Store } from './store.js';
import type {
  EmulatorStatsReport,
  InjectedFault,
  SeedOptions,
  StripeEmulator,
  StripeEmulatorOptions,
} from './types.js';

/**
 * The HTTP front: request id → stats → queued fault → drawn fault → auth → Stripe-Account →
 * rate limit → idempotency → route → latency → response. Plain node:http, JSON out,
 * Stripe's form encoding in. `/_emulator/*` is the control plane for scripts (JSON in and
 * out, no auth).
 */

const DEFAULT_SECRET_KEY = /^sk_(test|live)_[A-Za-z0-9_]+$/;
const PUBLISHABLE_KEY = /^pk_(test|live)_[A-Za-z0-9_]+$/;
const ACCOUNT_ID = /^acct_[A-Za-z0-9_]+$/;
const API_VERSION = '2023-08-16';
const MAX_BODY_BYTES = 1024 * 1024;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `Bearer sk_…` (the SDK) or `Basic base64(sk_…:)` (curl -u). */
function apiKeyOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() === 'basic') {
    return Buffer.from(value, 'base64').toString('utf8').split(':')[0] ?? '';
  }
  return header.trim();
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Per-request bookkeeping. */
interface Call {
  requestId: string;
  started: number;
  method: string;
  /** Where the request is counted in the stats (/v1 only). */
  counted?: Counted;
  /** The route, matched once for the stats and the handler. */
  matched?: ReturnType<Router['match']>;
}

/** Seed options from a JSON body, each checked for its type (a wrong one is a 400). */
function seedOptionsFrom(input: Record<string, unknown>): SeedOptions {
  const out: Record<string, unknown> = {};
  const numbers = [
    'seed',
    'customers',
    'cardsPerCustomer',
    'paymentMethodsPerCustomer',
    'defaultPaymentMethodShare',
    'expiringSoonShare',
    'createdFrom',
    'createdTo',
    'connectAccounts',
    'connectCustomers',
  ] as const;
  for (const name of numbers) {
    const value = input[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
    out[name] = value;
  }
  if (input.stripeAccount !== undefined && input.stripeAccount !== null) {
    if (typeof input.stripeAccount !== 'string') throw new TypeError('stripeAccount must be a string');
    out.stripeAccount = input.stripeAccount;
  }
  return out as SeedOptions;
}

/** How many seeded customers POST /_emulator/seed lists in its reply (a 100k seed would be megabytes). */
const SEED_REPLY_LIMIT = 1000;

interface Outcome {
  status: number;
  body: string;
  headers: Record<string, string>;
  note?: string;
}

export async function startStripeEmulator(opts: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const seed = parseSeed(opts.seed ?? 'none');
  const store = new Store();
  const router = createRouter();
  const faults = new FaultQueue();
  const limiter = new RateLimiter(opts.rateLimitPerSecond, opts.rateLimitPerAccount);
  const randomFaults = new RandomFaults({
    ...(opts.fault429Rate !== undefined ? { fault429Rate: opts.fault429Rate } : {}),
    ...(opts.fault5xxRate !== undefined ? { fault5xxRate: opts.fault5xxRate } : {}),
    ...(opts.faultSeed !== undefined ? { faultSeed: opts.faultSeed } : {}),
  });
  const clock = opts.clock ?? Date.now;
  const requestStats = new RequestStats(clock());
  const idempotency = new IdempotencyStore();
  const secretKeys = opts.secretKeys ? new Set(opts.secretKeys) : undefined;
  const log = opts.log;
  let latencyMs = validLatency(opts.latencyMs ?? 0);
  let requests = 0;
  let closing = false;
  /** Responses held open by 'timeout' faults, ended on close. */
  const hanging = new Set<ServerResponse>();

  function validLatency(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new TypeError('latencyMs must be a number ≥ 0');
    return ms;
  }

  function authenticate(req: IncomingMessage, endpoint: string): { key: string; livemode: boolean } {
    const key = apiKeyOf(req);
    if (!key) throw missingApiKey();
    if (PUBLISHABLE_KEY.test(key)) {
      if (PUBLISHABLE_ENDPOINTS.has(endpoint)) return { key, livemode: key.startsWith('pk_live_') };
      throw new StripeApiError(401, {
        type: 'invalid_request_error',
        message:
          'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
      });
    }
    const ok = secretKeys ? secretKeys.has(key) : DEFAULT_SECRET_KEY.test(key);
    if (!ok) throw invalidApiKey(key);
    return { key, livemode: key.startsWith('sk_live_') };
  }

  function accountOf(req: IncomingMessage, key: string): string | null {
    const account = header(req, 'stripe-account')?.trim();
    if (!account) return null;
    if (!ACCOUNT_ID.test(account)) throw noAccessToAccount(key, account);
    return account;
  }

  function errorOutcome(error: StripeApiError): Outcome {
    return {
      status: error.status,
      body: JSON.stringify(error.toJSON(), null, 2),
      headers: { ...error.headers },
    };
  }

  /** Everything after the fault check; never throws. */
  function processApi(req: IncomingMessage, call: Call, url: URL, rawBody: string): Outcome {
    const { method } = call;
    const path = url.pathname;
    const endpoint = `${method} ${path}`;
    try {
      const { matched } = call;
      const { key, livemode } = authenticate(req, endpoint);
      const account = accountOf(req, key);
      const retryAfter = limiter.hit(account ?? PLATFORM, livemode, clock());
      if (retryAfter !== undefined) return { ...errorOutcome(rateLimited(retryAfter)), note: 'rate-limited' };
      if (!matched) throw unrecognizedUrl(method, path);

      const params: FormObject =
        method === 'POST'
          ? parseForm(rawBody)
          : { ...parseForm(url.search.slice(1)), ...(rawBody ? parseForm(rawBody) : {}) };

      const idempotencyKey = method === 'POST' ? header(req, 'idempotency-key') : undefined;
      const scope = `${key}\u0000${account ?? ''}`;
      const digest = idempotencyKey !== undefined ? idempotency.digest(params) : '';
      if (idempotencyKey !== undefined) {
        const stored = idempotency.lookup(scope, idempotencyKey, endpoint, digest);
        if (stored instanceof StripeApiError) return errorOutcome(stored);
        if (stored) {
          return {
            status: stored.status,
            body: stored.body,
            headers: { 'Idempotent-Replayed': 'true', 'Original-Request': stored.requestId },
            note: 'replayed',
          };
        }
      }

      const space = store.space(account, livemode);
      let outcome: Outcome;
      // Stripe saves results once an endpoint started executing: successes and declines.
      // Validation errors (a bad number or expiry included) are not saved, so a corrected
      // retry can reuse the key.
      let storable: boolean;
      try {
        // Stripe refuses unknown parameters and bad enum values before doing anything.
        const accepted = ENDPOINT_PARAMS[`${method} ${matched.pattern}`];
        if (!accepted) throw new Error(`no parameter list for ${method} ${matched.pattern}`);
        checkParams(accepted, params);
        const json = matched.handler({
          method,
          path,
          params,
          pathParams: matched.pathParams,
          store,
          space,
          apiKey: key,
        });
        applyExpand(space, json, list(params, 'expand'));
        outcome = { status: 200, body: JSON.stringify(json, null, 2), headers: {} };
        storable = true;
      } catch (error) {
        if (!(error instanceof StripeApiError)) throw error;
        outcome = errorOutcome(error);
        storable = error.body.decline_code !== undefined;
      }
      if (idempotencyKey !== undefined && storable) {
        idempotency.save(scope, idempotencyKey, {
          status: outcome.status,
          body: outcome.body,
          requestId: call.requestId,
          endpoint,
          paramsDigest: digest,
        });
      }
      return outcome;
    } catch (error) {
      if (error instanceof StripeApiError) return errorOutcome(error);
      log?.(`internal error on ${method} ${echo(path)}: ${echo(String((error as Error).message))}`);
      return { ...errorOutcome(apiError(500)), note: 'internal-error' };
    }
  }

  async function send(req: IncomingMessage, res: ServerResponse, outcome: Outcome, call: Call) {
    if (latencyMs > 0) await sleep(latencyMs);
    if (res.destroyed || res.writableEnded) return;
    const version = header(req, 'stripe-version') ?? API_VERSION;
    const account = header(req, 'stripe-account');
    const idemKey = header(req, 'idempotency-key');
    res.writeHead(outcome.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(outcome.body),
      'Cache-Control': 'no-cache, no-store',
      'Stripe-Version': version,
      ...(account ? { 'Stripe-Account': account } : {}),
      ...(idemKey && req.method === 'POST' ? { 'Idempotency-Key': idemKey } : {}),
      ...outcome.headers,
    });
    res.end(outcome.body);
    if (call.counted) requestStats.served(call.counted, outcome.status);
    writeLog(req, call, outcome.status, outcome.note);
  }

  /** One line per request: method, path (no query), status, time, request id. Never a body. */
  function writeLog(req: IncomingMessage, call: Call, status: number | string, note?: string) {
    if (!log) return;
    const path = echo((req.url ?? '/').split('?')[0] ?? '/');
    const account = header(req, 'stripe-account');
    const ms = (performance.now() - call.started).toFixed(1);
    log(
      `${call.method} ${path} ${status} ${ms}ms ${call.requestId}${account ? ` ${account}` : ''}${note ? ` (${note})` : ''}`,
    );
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, call: Call) {
    requests++;
    const { method } = call;
    call.matched = router.match(method, url.pathname);
    call.counted = {
      // Any header value is counted as sent (minus anything shaped like a card number).
      account: echo(header(req, 'stripe-account')?.trim() || PLATFORM),
      route: `${method} ${call.matched?.pattern ?? '(unrecognized)'}`,
    };
    requestStats.received(call.counted, clock());
    let rawBody = '';
    try {
      rawBody = await readBody(req);
    } catch (error) {
      const tooLarge = error instanceof BodyTooLarge;
      const outcome = errorOutcome(
        invalidRequest(tooLarge ? 'Request body too large.' : 'Could not read the request body.'),
      );
      await send(req, res, { ...outcome, status: tooLarge ? 413 : 400 }, call);
      return;
    }

    const fault = faults.take(method, req.url ?? '/');
    if (fault?.kind === 'timeout') {
      requestStats.unanswered();
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      writeLog(req, call, 'held', 'fault: timeout');
      return;
    }
    if (fault?.kind === 'drop') {
      requestStats.unanswered();
      writeLog(req, call, 'dropped', 'fault: drop');
      req.socket.destroy();
      return;
    }
    if (fault?.kind === '5xx') {
      await send(req, res, { ...errorOutcome(apiError(fault.status ?? 500)), note: 'fault: 5xx' }, call);
      return;
    }
    if (fault?.kind === '429') {
      await send(req, res, { ...errorOutcome(rateLimited(1)), note: 'fault: 429' }, call);
      return;
    }
    // Drawn only by requests no queued fault took, so queued faults stay exact under rates.
    const drawn = randomFaults.draw();
    if (drawn === '429') {
      await send(req, res, { ...errorOutcome(rateLimited(1)), note: 'fault rate: 429' }, call);
      return;
    }
    if (drawn === '5xx') {
      await send(req, res, { ...errorOutcome(apiError(500)), note: 'fault rate: 5xx' }, call);
      return;
    }
    await send(req, res, processApi(req, call, url, rawBody), call);
  }

  // ------------------------------------------------------------- control plane

  function rateLimits() {
    return { rateLimitPerSecond: limiter.perSecond ?? null, rateLimitPerAccount: limiter.perAccount };
  }

  function statsReport(): EmulatorStatsReport {
    return {
      ...requestStats.snapshot(),
      totalRequests: requests,
      objects: store.stats(),
      config: {
        latencyMs,
        ...rateLimits(),
        ...randomFaults.rates,
        faultsQueued: faults.size,
      },
    };
  }

  function controlReply(res: ServerResponse, status: number, body: unknown) {
    const text = JSON.stringify(body, null, 2);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL) {
    const method = (req.method ?? 'GET').toUpperCase();
    const route = `${method} ${url.pathname.replace(/\/+$/, '')}`;
    let input: Record<string, unknown> = {};
    try {
      const raw = await readBody(req);
      const parsed: unknown = raw.trim() ? JSON.parse(raw) : {};
      input = Array.isArray(parsed) ? { faults: parsed } : ((parsed ?? {}) as Record<string, unknown>);
    } catch {
      return controlReply(res, 400, { error: { message: 'Body must be JSON.' } });
    }
    try {
      switch (route) {
        case 'GET /_emulator/health':
          return controlReply(res, 200, { ok: true, url: emulator.url, requests });
        case 'GET /_emulator/stats':
          return controlReply(res, 200, statsReport());
        case 'POST /_emulator/stats/reset':
          requestStats.reset(clock());
          return controlReply(res, 200, { ok: true, since: requestStats.snapshot().since });
        case 'POST /_emulator/faults': {
          const list = Array.isArray(input.faults) ? input.faults : [input];
          const valid = list.map(validateFault);
          for (const fault of valid) faults.add(fault);
          return controlReply(res, 200, { queued: faults.size });
        }
        case 'DELETE /_emulator/faults':
          faults.clear();
          return controlReply(res, 200, { queued: 0 });
        case 'GET /_emulator/fault-rates':
          return controlReply(res, 200, randomFaults.rates);
        case 'POST /_emulator/fault-rates': {
          const rates: Record<string, unknown> = {};
          for (const name of ['fault429Rate', 'fault5xxRate', 'faultSeed'] as const) {
            if (input[name] === undefined) continue;
            if (typeof input[name] !== 'number') throw new TypeError(`${name} must be a number`);
            rates[name] = input[name];
          }
          return controlReply(res, 200, randomFaults.set(rates));
        }
        case 'POST /_emulator/latency':
          latencyMs = validLatency(Number(input.ms ?? input.latencyMs));
          return controlReply(res, 200, { latencyMs });
        case 'GET /_emulator/rate-limit':
          return controlReply(res, 200, rateLimits());
        case 'POST /_emulator/rate-limit': {
          const raw = input.perSecond ?? input.rateLimitPerSecond;
          if (raw !== undefined && raw !== null && typeof raw !== 'number') {
            throw new TypeError('perSecond must be a number or null');
          }
          const perSecond = typeof raw === 'number' ? raw : undefined;
          if (input.account === undefined || input.account === null) limiter.set(perSecond);
          else if (typeof input.account === 'string') limiter.setFor(input.account, perSecond);
          else throw new TypeError(`account must be '${PLATFORM}' or an acct_… id`);
          return controlReply(res, 200, rateLimits());
        }
        case 'POST /_emulator/seed': {
          const seeded = seedDemo(store, seedOptionsFrom(input));
          const shown = seeded.slice(0, SEED_REPLY_LIMIT);
          return controlReply(res, 200, {
            count: seeded.length,
            truncated: seeded.length > shown.length,
            customers: shown,
            table: formatSeedTable(shown),
          });
        }
        case 'POST /_emulator/reset':
          emulator.reset();
          return controlReply(res, 200, { ok: true });
        default:
          return controlReply(res, 404, { error: { message: `Unknown control route ${route}.` } });
      }
    } catch (error) {
      return controlReply(res, 400, { error: { message: (error as Error).message } });
    }
  }

  const server = createServer((req, res) => {
    const call: Call = {
      requestId: newId('req'),
      started: performance.now(),
      method: (req.method ?? 'GET').toUpperCase(),
    };
    res.setHeader('Request-Id', call.requestId);
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    const done = url.pathname.startsWith('/_emulator')
      ? handleControl(req, res, url)
      : handleApi(req, res, url, call);
    done.catch((error: unknown) => {
      log?.(`internal error: ${(error as Error).message}`);
      if (!res.headersSent && !res.destroyed) controlReply(res, 500, apiError(500).toJSON());
    });
  });
  // Outlive the SDK's keep-alive sockets so a reused socket is never closed under a request.
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  const emulator: StripeEmulator = {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    injectFault(f: InjectedFault) {
      faults.add(f);
    },
    clearFaults() {
      faults.clear();
    },
    setLatency(ms: number) {
      latencyMs = validLatency(ms);
    },
    setRateLimit(perSecond: number | undefined, stripeAccount?: string | null) {
      if (stripeAccount === undefined) limiter.set(perSecond);
      else limiter.setFor(stripeAccount ?? PLATFORM, perSecond);
    },
    setFaultRates(rates) {
      return randomFaults.set(rates);
    },
    requestStats() {
      return requestStats.snapshot();
    },
    resetRequestStats() {
      requestStats.reset(clock());
    },
    requestArrivals() {
      return requestStats.arrivals();
    },
    async seedDemo(seedOpts) {
      return seedDemo(store, seedOpts);
    },
    requestCount() {
      return requests;
    },
    stats(stripeAccount?: string | null) {
      return stripeAccount === undefined ? store.stats() : store.accountStats(stripeAccount);
    },
    reset() {
      store.reset();
      idempotency.clear();
      faults.clear();
    },
    async close() {
      if (closing) return;
      closing = true;
      for (const res of hanging) res.socket?.destroy();
      hanging.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };

  if (seed !== null) await emulator.seedDemo({ seed, connectCustomers: DEMO_CONNECT_CUSTOMERS });
  return emulator;
}
