import { TRPCClientError } from '@trpc/client';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  CliError,
  describeError,
  exitCodeForStatus,
  exitCodes,
  formatFailure,
  UsageError,
} from '../src/errors.js';

const ctx = { url: 'http://127.0.0.1:8787' };

/** A TRPCClientError as the client builds it from the API's error response. */
function serverError(message: string, data: Record<string, unknown>) {
  return TRPCClientError.from({ error: { code: -32600, message, data } });
}

describe('exit codes', () => {
  it.each([
    [400, exitCodes.usage],
    [413, exitCodes.usage],
    [402, exitCodes.usage],
    [401, exitCodes.auth],
    [403, exitCodes.auth],
    [404, exitCodes.notFound],
    [409, exitCodes.notFound],
    [429, exitCodes.server],
    [500, exitCodes.server],
    [502, exitCodes.server],
    [503, exitCodes.server],
  ])('HTTP %i → %i', (status, code) => {
    expect(exitCodeForStatus(status)).toBe(code);
  });

  it('the documented numbers', () => {
    expect(exitCodes).toEqual({
      ok: 0,
      unexpected: 1,
      usage: 2,
      notFound: 3,
      auth: 4,
      server: 5,
      jobFailed: 6,
      jobCancelled: 7,
      interrupted: 130,
    });
  });

  it('an API not-found keeps its message and domain code', () => {
    const f = describeError(
      serverError('Customer with id 5 not found.', { httpStatus: 404, domainCode: 'CUSTOMER_NOT_FOUND' }),
      ctx,
    );
    expect(f).toMatchObject({ exitCode: 3, domainCode: 'CUSTOMER_NOT_FOUND', httpStatus: 404 });
    expect(formatFailure(f, false)).toBe('error: Customer with id 5 not found.\n');
  });

  it('API validation errors list one line per field', () => {
    const f = describeError(
      serverError('Invalid input: email: Invalid email address', {
        httpStatus: 400,
        domainCode: 'VALIDATION_FAILED',
        issues: [{ path: 'email', message: 'Invalid email address' }],
      }),
      ctx,
    );
    expect(f.exitCode).toBe(2);
    expect(formatFailure(f, false)).toBe('error: Invalid input.\n  email: Invalid email address\n');
    expect(JSON.parse(formatFailure(f, true))).toMatchObject({
      error: {
        message: 'Invalid input: email: Invalid email address',
        domainCode: 'VALIDATION_FAILED',
        issues: [{ path: 'email', message: 'Invalid email address' }],
      },
    });
  });

  it('401/403 → 4, 500 → 5', () => {
    expect(describeError(serverError('Invalid or missing API key.', { httpStatus: 401 }), ctx).exitCode).toBe(
      4,
    );
    expect(describeError(serverError("lacks the 'admin' scope", { httpStatus: 403 }), ctx).exitCode).toBe(4);
    expect(describeError(serverError('Internal server error', { httpStatus: 500 }), ctx).exitCode).toBe(5);
  });

  it('connection refused → 5 with a hint to start the server', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8787'), { code: 'ECONNREFUSED' });
    const err = TRPCClientError.from(new TypeError('fetch failed', { cause: refused }));
    const f = describeError(err, ctx);
    expect(f.exitCode).toBe(5);
    expect(f.message).toBe(
      'cannot reach the cardbridge API at http://127.0.0.1:8787 — is `cardbridge serve` running?',
    );
  });

  it('a timeout → 5', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const f = describeError(TRPCClientError.from(timeout), ctx);
    expect(f.exitCode).toBe(5);
    expect(f.message).toMatch(/did not answer in time/);
  });

  it('CLI errors, commander errors and bugs', () => {
    expect(describeError(new UsageError('bad'), ctx).exitCode).toBe(2);
    expect(describeError(new CliError('no key', exitCodes.auth), ctx).exitCode).toBe(4);
    expect(
      describeError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"), ctx),
    ).toMatchObject({ exitCode: 2, message: "unknown option '--x'" });
    expect(describeError(new TypeError('boom'), ctx).exitCode).toBe(1);
  });
});
