import { type FieldIssue, scrubCardNumbers } from '@cardbridge/core';

/*
 * What an error answer may show. Shared by the tRPC error formatter and the REST facade, so
 * both endpoints hide the same things. The real error is logged server-side, in full (the
 * logger masks card numbers).
 */

/** What a caller sees of any error that is not one of ours (DomainError, validation…), in every mode. */
export const internalErrorMessage = 'Internal server error';

/**
 * The message to send. An internal error's own message never leaves: drizzle's
 * "Failed query: … params: …" carries SQL and its parameters (vault ciphertext, fingerprints).
 * Any other message is scrubbed as a last line of defence (a JSON parse error quotes the body).
 */
export function publicMessage(message: string, internal: boolean): string {
  return internal ? internalErrorMessage : scrubCardNumbers(message);
}

export function publicIssues(issues: readonly FieldIssue[]): FieldIssue[] {
  return issues.map((i) => ({ path: scrubCardNumbers(i.path), message: scrubCardNumbers(i.message) }));
}

/**
 * A stack for development answers: the call frames only, under `header`. The original first
 * line(s) repeat the original message, which is exactly what `publicMessage` withholds.
 */
export function publicStack(stack: string, header: string): string {
  return [header, ...stack.split('\n').filter((line) => /^\s+at /.test(line))].join('\n');
}
