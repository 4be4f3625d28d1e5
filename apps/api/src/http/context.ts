import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps, Context } from '@cardbridge/api';

/** A repeated header arrives as a list; joined, it fails validation instead of picking one. */
function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The peer address (no proxy header is trusted: a client could forge it to dodge its limit). */
const addressOf = (req: IncomingMessage): string => req.socket.remoteAddress ?? 'unknown';

function originOf(req: IncomingMessage): string {
  const ua = String(req.headers['user-agent'] ?? '').slice(0, 80);
  return `${addressOf(req)}${ua ? ` ${ua}` : ''}`;
}

export function createContextFactory(deps: AppDeps) {
  return ({ req, res }: { req: IncomingMessage; res?: ServerResponse }): Context => ({
    deps,
    authorization: req.headers.authorization,
    origin: originOf(req),
    address: addressOf(req),
    requestId: randomUUID(),
    idempotencyKey: headerValue(req.headers['idempotency-key']),
    setResponseHeader: (name, value) => {
      if (res && !res.headersSent) res.setHeader(name, value);
    },
  });
}
