import type { FieldIssue } from '@cardbridge/core/schemas';
import { CommanderError } from 'commander';

/**
 * Exit codes, one per kind of failure, so scripts can branch without parsing text.
 * Documented here and in the `cardbridge --help` epilog (`exitCodesHelp`).
 */
export const exitCodes = {
  /** Success (also `--help` and `--version`). */
  ok: 0,
  /** A bug in the CLI itself: an error nobody classified. */
  unexpected: 1,
  /** Validation or usage: bad flags, unknown command, the API answered 400 (BAD_REQUEST). */
  usage: 2,
  /** The thing does not exist (404) or clashes with what exists (409). */
  notFound: 3,
  /** No, wrong or revoked API key (401), or the key lacks the scope (403). */
  auth: 4,
  /** The API failed (5xx, 429), could not be reached, or `serve`/`migrate` could not start. */
  server: 5,
  /** A migration job watched to its end failed (`import …`, `export cards`, `jobs watch`). */
  jobFailed: 6,
  /** A migration job watched to its end was cancelled. */
  jobCancelled: 7,
  /** Ctrl+C while watching a job: the watching stopped, the job goes on (128 + SIGINT). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

export const exitCodesHelp = `
Exit codes:
  0  success
  1  unexpected error in the CLI itself
  2  validation or usage error (bad flags or values, API answered BAD_REQUEST)
  3  not found or conflict (API answered 404 / 409)
  4  authentication or permission (missing, wrong or revoked key: 401; missing scope: 403)
  5  server error (5xx, 429), API unreachable, or serve/migrate failed to start
  6  the migration job watched to its end failed (import, export cards, jobs watch)
  7  the migration job watched to its end was cancelled
  130  Ctrl+C while watching a job: the watching stopped, the job goes on`;

/** An error the CLI raises itself, already classified. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly details: { domainCode?: string | null; issues?: FieldIssue[]; httpStatus?: number } = {},
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Ends the command with `exitCode` after it has said what it had to say itself (a job that
 * failed has its summary printed, not an `error:` line).
 */
export class CommandExit extends Error {
  constructor(readonly exitCode: ExitCode) {
    super(`exit ${exitCode}`);
    this.name = 'CommandExit';
  }
}

/** A bad flag value, found by the same zod schema the API uses. */
export class UsageError extends CliError {
  constructor(message: string, issues?: FieldIssue[]) {
    super(message, exitCodes.usage, { domainCode: 'VALIDATION_FAILED', ...(issues ? { issues } : {}) });
    this.name = 'UsageError';
  }
}

/** What the user sees (and `--json` prints) for any failure. */
export interface Failure {
  message: string;
  exitCode: ExitCode;
  domainCode: string | null;
  httpStatus: number | null;
  issues: FieldIssue[];
}

/** HTTP status of an API error → exit code. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return exitCodes.auth;
  if (status === 404 || status === 409) return exitCodes.notFound;
  if (status === 429 || status >= 500) return exitCodes.server;
  if (status >= 400) return exitCodes.usage;
  return exitCodes.unexpected;
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = err;
  while (current && typeof current === 'object' && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

const prop = (o: unknown, key: string): unknown =>
  typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;

/** The formatter's `data` of a TRPCClientError (duck-typed: the class may come from another copy). */
interface ServerErrorData {
  domainCode?: unknown;
  httpStatus?: unknown;
  issues?: unknown;
}

function isTrpcClientError(err: unknown): err is Error & { data?: ServerErrorData; meta?: unknown } {
  return err instanceof Error && err.name === 'TRPCClientError';
}

function toIssues(raw: unknown): FieldIssue[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((i): FieldIssue[] => {
    const path = prop(i, 'path');
    const message = prop(i, 'message');
    return typeof message === 'string'
      ? [{ path: Array.isArray(path) ? path.join('.') : String(path ?? '(input)'), message }]
      : [];
  });
}

/**
 * Commander repeats a bad token back (`unknown option '--card=4242…'`): anything that looks
 * like a card number (12 to 19 digits, spaces or dashes between) is blanked out first.
 */
function redactCardNumbers(text: string): string {
  return text.replace(/\d(?:[ -]?\d){11,18}/g, '[redacted]');
}

/** Classifies any thrown value; `url` is the API base URL, for the "cannot reach" message. */
export function describeError(err: unknown, ctx: { url: string }): Failure {
  if (err instanceof CliError) {
    return {
      message: err.message,
      exitCode: err.exitCode,
      domainCode: err.details.domainCode ?? null,
      httpStatus: err.details.httpStatus ?? null,
      issues: err.details.issues ?? [],
    };
  }
  if (err instanceof CommanderError) {
    return {
      message: redactCardNumbers(err.message.replace(/^error: /, '')),
      exitCode: err.exitCode === 0 ? exitCodes.ok : exitCodes.usage,
      domainCode: 'USAGE',
      httpStatus: null,
      issues: [],
    };
  }
  if (isTrpcClientError(err)) {
    const data = err.data;
    const status = typeof data?.httpStatus === 'number' ? data.httpStatus : undefined;
    if (status !== undefined) {
      return {
        message: err.message,
        exitCode: exitCodeForStatus(status),
        domainCode: typeof data?.domainCode === 'string' ? data.domainCode : null,
        httpStatus: status,
        issues: toIssues(data?.issues),
      };
    }
    const chain = causeChain(err);
    if (chain.some((c) => prop(c, 'name') === 'TimeoutError')) {
      return serverFailure(`the cardbridge API at ${ctx.url} did not answer in time`);
    }
    if (
      chain.some((c) => networkCodes.has(String(prop(c, 'code'))) || prop(c, 'message') === 'fetch failed')
    ) {
      return serverFailure(
        `cannot reach the cardbridge API at ${ctx.url} — is \`cardbridge serve\` running?`,
      );
    }
    const response = prop(err.meta, 'response');
    const httpStatus = prop(response, 'status');
    if (typeof httpStatus === 'number') {
      return {
        ...serverFailure(
          `unexpected answer from ${ctx.url} (HTTP ${httpStatus}): ${err.message} — is this a cardbridge API?`,
        ),
        httpStatus,
      };
    }
    return serverFailure(`the cardbridge API at ${ctx.url} failed: ${err.message}`);
  }
  return {
    message: err instanceof Error ? err.message : String(err),
    exitCode: exitCodes.unexpected,
    domainCode: null,
    httpStatus: null,
    issues: [],
  };
}

function serverFailure(message: string): Failure {
  return { message, exitCode: exitCodes.server, domainCode: null, httpStatus: null, issues: [] };
}

/** API field → the flag that sets it, so an issue can name both. */
const flagForField: Record<string, string> = {
  firstName: '--first-name',
  lastName: '--last-name',
  email: '--email',
  companyName: '--company',
  reference: '--reference',
  limit: '--limit',
  startingAfter: '--starting-after',
  endingBefore: '--ending-before',
  customerId: '--customer',
  name: '--name',
  scopes: '--scopes',
  includeRevoked: '--include-revoked',
  id: '<id>',
  secretKey: '--secret-key or STRIPE_SECRET_KEY',
  connectedAccountId: '--connected-account',
  apiBase: '--api-base',
  isDefault: '--default',
  gatewayAccountId: '--gateway',
  stripeCustomerId: '--stripe-customer',
  stripeCardId: '--stripe-card',
  token: '--token',
  atGateway: '--at-gateway',
  expirationMonth: '--exp-month',
  expirationYear: '--exp-year',
  postalZip: '--postal-zip',
  countryId: '--country-id',
  stateId: '--state-id',
  cardNumber: 'stdin or prompt',
  cvv: 'stdin or prompt',
  duplicatePolicy: '--duplicates',
  paymentCollectOptions: '--collect / --currency',
  batchSize: '--batch-size',
  apiKey: '--api-key or CARDBRIDGE_API_KEY',
  latencyMs: '--latency',
  rateLimitPerSecond: '--rate-limit',
  dryRun: '--dry-run',
  'source.gatewayAccountId': '--gateway-account',
  'source.connectedAccounts': '--connected-accounts',
  'source.matchBy': '--match-by',
  'source.paymentMethods': '--payment-methods',
  'source.sync': '--sync',
  'source.apply': '--apply',
  'source.requestsPerSecond': '--rps',
  'source.fileId': '<path>',
  'source.format': '--format',
  'source.targetGatewayAccountId': '--to',
  'source.customerIds': '--customer',
  'source.brand': '--brand',
  'source.createdAfter': '--created-after',
  'source.createdBefore': '--created-before',
  after: '--after',
  outcome: '--outcome',
  file: '<path>',
};

/** The flag of an issue's field: its full path first (`source.gatewayAccountId`), then its first segment. */
function flagOf(path: string): string | undefined {
  const segments = path.split('.');
  for (let n = segments.length; n > 0; n--) {
    const field = segments.slice(0, n).join('.');
    if (Object.hasOwn(flagForField, field)) return flagForField[field];
  }
  return undefined;
}

function issueLine(issue: FieldIssue): string {
  const flag = flagOf(issue.path);
  const hint = flag && flag !== `--${issue.path}` ? ` (${flag})` : '';
  return `  ${issue.path}${hint}: ${issue.message}`;
}

/** Human form: one line, then one line per field issue. `--json` form: `{"error":{…}}`. */
export function formatFailure(failure: Failure, json: boolean): string {
  if (json) {
    const { message, domainCode, issues, httpStatus, exitCode } = failure;
    return `${JSON.stringify({ error: { message, domainCode, issues, httpStatus, exitCode } })}\n`;
  }
  const headline =
    failure.issues.length > 0 && /^Invalid input/.test(failure.message) ? 'Invalid input.' : failure.message;
  const lines = [`error: ${headline}`, ...failure.issues.map(issueLine)];
  if (failure.domainCode === 'USAGE') lines.push('(run with --help for usage)');
  return `${lines.join('\n')}\n`;
}
