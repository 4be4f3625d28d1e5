import { isIPv4 } from 'node:net';

/**
 * Where a gateway account's `apiBase` override may point. The override sends a Stripe secret
 * key — and, on export, a card number — to that URL, and makes the server connect wherever
 * it says (SSRF), so an admin key alone must not choose it: the server's operator does.
 *
 * URLs are compared parsed (scheme, host, port, path prefix by whole segments), never as raw
 * string prefixes: `http://127.0.0.1.evil.com`, `http://127.0.0.1@evil.com` and
 * `https://proxy/stripe-evil` do not match `http://127.0.0.1` or `https://proxy/stripe`.
 */

export interface AllowedApiBase {
  protocol: 'http:' | 'https:';
  /** As the URL parser normalises it: lower case, punycode, IPv6 in brackets. */
  hostname: string;
  /** Always explicit (80/443 filled in). */
  port: string;
  /** Ends with `/`: a prefix of whole segments. */
  pathPrefix: string;
}

export interface ApiBasePolicy {
  /** From CARDBRIDGE_GATEWAY_API_BASES. */
  allowList: readonly AllowedApiBase[];
  /** Loopback hosts (127.0.0.0/8, localhost, [::1]) on any port and path: outside production only. */
  allowLoopback: boolean;
}

/** No override is allowed: the safe default for anything that builds a registry without a policy. */
export const noApiBaseOverrides: ApiBasePolicy = { allowList: [], allowLoopback: false };

type ParsedBase = { ok: true; url: URL } | { ok: false; reason: string };

function parseBase(raw: string): ParsedBase {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'must be an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'must be http(s)' };
  if (url.username || url.password) return { ok: false, reason: 'must not carry a user name or password' };
  if (url.search || url.hash) return { ok: false, reason: 'must not have a query or fragment' };
  return { ok: true, url };
}

const portOf = (url: URL) => url.port || (url.protocol === 'https:' ? '443' : '80');
const withSlash = (path: string) => (path.endsWith('/') ? path : `${path}/`);

export function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return isIPv4(hostname) && hostname.startsWith('127.');
}

/** CARDBRIDGE_GATEWAY_API_BASES → allowed prefixes; a bad entry throws with its text. */
export function parseApiBaseAllowList(raw: string): AllowedApiBase[] {
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const parsed = parseBase(entry);
      if (!parsed.ok) throw new Error(`gateway API base '${entry}' ${parsed.reason}`);
      const { url } = parsed;
      return {
        protocol: url.protocol as AllowedApiBase['protocol'],
        hostname: url.hostname,
        port: portOf(url),
        pathPrefix: withSlash(url.pathname),
      };
    });
}

/** Why `apiBase` is refused under `policy`, or null when it is allowed. Never echoes the URL. */
export function apiBaseRefusal(policy: ApiBasePolicy, apiBase: string): string | null {
  const parsed = parseBase(apiBase);
  if (!parsed.ok) return parsed.reason;
  const { url } = parsed;
  if (policy.allowLoopback && isLoopbackHost(url.hostname)) return null;
  const path = withSlash(url.pathname);
  const allowed = policy.allowList.some(
    (a) =>
      a.protocol === url.protocol &&
      a.hostname === url.hostname &&
      a.port === portOf(url) &&
      path.startsWith(a.pathPrefix),
  );
  return allowed ? null : 'is not an API base this server allows (see CARDBRIDGE_GATEWAY_API_BASES)';
}
