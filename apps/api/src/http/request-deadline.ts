import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * How long a client may take to send its request. Node's own `requestTimeout` bounds every
 * request of a server alike, and the body of an upload (a migration job's source file, up to
 * gigabytes) cannot arrive within what a JSON body is given. So the server sets it off and each
 * request gets its own bound here: the whole request within `totalMs`, or, for a file body, no
 * pause longer than `idleMs` (a slow but steady upload goes on; a stalled one is cut).
 * Node's `headersTimeout` still bounds the headers of every request.
 */

const timeoutBody = JSON.stringify({
  error: { message: 'Request timeout: the request did not arrive in time.' },
});

/** Answers 408 and closes the connection (Node's own timeout does the same), or cuts an answer begun. */
function timedOut(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete) return;
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  res.writeHead(408, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(timeoutBody),
    connection: 'close',
  });
  res.end(timeoutBody);
}

/** The whole request (headers and body) must arrive within `totalMs`. */
export function boundRequest(req: IncomingMessage, res: ServerResponse, totalMs: number): void {
  if (totalMs <= 0 || req.complete) return;
  const timer = setTimeout(() => timedOut(req, res), totalMs);
  timer.unref();
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  req.once('close', clear);
  res.once('close', clear);
}

/** A file body may take as long as it needs, as long as it never pauses for `idleMs`. */
export function boundFileBody(req: IncomingMessage, res: ServerResponse, idleMs: number): void {
  if (idleMs <= 0 || req.complete) return;
  // The socket's idle timer; with a listener on the request, Node leaves the answer to it.
  const onIdle = () => timedOut(req, res);
  req.setTimeout(idleMs, onIdle);
  // Once the body is in, the socket's own timeouts (keep-alive) apply again.
  const clear = () => {
    req.off('timeout', onIdle);
    req.socket?.setTimeout(0);
  };
  req.once('end', clear);
  req.once('close', clear);
}
