import { DomainError, scrubCardNumbers } from '@cardbridge/core';

/** What kind of file problem stopped the read; a job can report it without parsing the message. */
export type ExportFileErrorReason =
  /** The private key or its passphrase is wrong, missing or unreadable. */
  | 'key'
  /** The file is encrypted to another key, or is not a well-formed OpenPGP message. */
  | 'decryption'
  /** The decrypted data failed OpenPGP's integrity check: changed or truncated after encryption. */
  | 'integrity'
  /** A clear-text file where an encrypted one was required. */
  | 'plaintext'
  /** CSV or JSON that does not parse. */
  | 'syntax'
  /** Parses, but is not a card export: a required column is missing, a value has the wrong shape… */
  | 'structure';

export interface ExportFileErrorWhere {
  /** 1-based line of the file (CSV only; JSON positions are records). */
  line?: number;
  /** 1-based number of the card record being read (the header is not a record). */
  record?: number;
  /** The export's field name, as Stripe spells it (`card.number`, `id`, …). */
  field?: string;
}

/**
 * The file as a whole cannot be read: wrong key, damaged OpenPGP data, CSV or JSON that does not
 * parse, a missing column. A bad value in one row is not this error: it is a row with `problems`.
 *
 * The message says where and what in words. It never contains a value from the file, and never
 * carries the parser's or OpenPGP's error as `cause`: csv-parse attaches the offending field
 * and record to its errors, which could hold a card number (house rule 1, docs/architecture.md).
 */
export class ExportFileError extends DomainError {
  readonly reason: ExportFileErrorReason;
  readonly line: number | undefined;
  readonly record: number | undefined;
  readonly field: string | undefined;

  constructor(reason: ExportFileErrorReason, what: string, where: ExportFileErrorWhere = {}) {
    // A last-resort scrub: `what` is built from our own words and library messages that do not
    // quote the input, but a message must never be the one place a card number slips through.
    const message = scrubCardNumbers(`${describeWhere(where)}${what}`);
    super('VALIDATION_FAILED', message, {
      reason,
      ...where,
      issues: where.field ? [{ path: where.field, message }] : [],
    });
    this.reason = reason;
    this.line = where.line;
    this.record = where.record;
    this.field = where.field;
  }
}

export const isExportFileError = (e: unknown): e is ExportFileError => e instanceof ExportFileError;

function describeWhere({ line, record, field }: ExportFileErrorWhere): string {
  const parts: string[] = [];
  if (line !== undefined) parts.push(`line ${line}`);
  if (record !== undefined) parts.push(`record ${record}`);
  if (field !== undefined) parts.push(`field ${field}`);
  return parts.length > 0 ? `Export file, ${parts.join(', ')}: ` : 'Export file: ';
}
