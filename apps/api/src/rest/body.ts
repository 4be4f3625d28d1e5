import type { IncomingMessage } from 'node:http';
import JSON5 from 'json5';
import { RestError } from './errors.js';

/** Same cap as the tRPC endpoint. */
const maxBodyBytes = 1_000_000;

const jsonContentType = /^\s*(?:application\/(?:[\w.+-]+\+)?json|text\/json)\s*(?:;|$)/i;

/** The raw request body as text, refusing more than `limit` bytes with a 413. */
async function readBodyText(req: IncomingMessage, limit = maxBodyBytes): Promise<string> {
  const tooLarge = () => new RestError(413, 'Request body exceeds the 1 MB limit.', { connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // discard what the client still sends; the socket closes after the reply
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A request body as JSON, parsed leniently with JSON5 because the seeds' own examples send
 * relaxed JSON (`{customerId:1,stripeCardId:'card_x'}`: unquoted keys, single quotes) next to
 * strict JSON (Python's `json.dumps`). An empty body is `undefined`. A body must be sent as
 * `application/json`; with no Content-Type at all it is accepted when it parses.
 * The parse error names the position only: a message never quotes the body (card numbers).
 */
export function parseJsonBody(text: string, contentType: string | undefined): unknown {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return undefined;
  if (contentType !== undefined && contentType.trim() !== '' && !jsonContentType.test(contentType)) {
    throw new RestError(
      415,
      `Unsupported Content-Type '${contentType.slice(0, 100)}': send application/json.`,
    );
  }
  try {
    return parseLenient(trimmed);
  } catch (e) {
    const { lineNumber, columnNumber } = e as { lineNumber?: number; columnNumber?: number };
    const at = lineNumber && columnNumber ? ` (line ${lineNumber}, column ${columnNumber})` : '';
    throw new RestError(400, `Request body is not valid JSON${at}.`);
  }
}

const bareValue = /([:[,]\s*)([A-Za-z_$][\w$]*)(?=\s*[,}\]])/g;
const literals = new Set(['true', 'false', 'null', 'Infinity', 'NaN']);

/**
 * JSON5, and when that fails, one more try with bare identifier values quoted. The seed's
 * curl example is `-d "{customerId:1,stripeCustomerId:{id},stripeCardId:{id}}"`; with the ids
 * pasted in, the values (`cus_…`, `card_…`) are unquoted: that example should work as written.
 */
function parseLenient(text: string): unknown {
  try {
    return JSON5.parse(text);
  } catch (first) {
    const quoted = text.replace(bareValue, (match, before: string, word: string) =>
      literals.has(word) ? match : `${before}"${word}"`,
    );
    if (quoted === text) throw first;
    try {
      return JSON5.parse(quoted);
    } catch {
      throw first;
    }
  }
}

export async function readJsonBody(req: IncomingMessage, limit = maxBodyBytes): Promise<unknown> {
  const text = await readBodyText(req, limit);
  return parseJsonBody(text, req.headers['content-type']);
}
