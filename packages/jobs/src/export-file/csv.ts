import { pipeline, Readable } from 'node:stream';
import { CsvError, type Info, parse } from 'csv-parse';
import { ExportFileError } from './errors.js';
import type { RawExportRow } from './row.js';
import { type ExportField, exportFields, requiredExportFields } from './types.js';

export interface CsvRow {
  raw: RawExportRow;
  line: number;
  record: number;
}

/**
 * A record longer than this is not a card row: an unclosed quote would otherwise make csv-parse
 * hold the rest of the file in one field. Generous, so that long metadata columns still fit.
 */
export const MAX_CSV_RECORD_BYTES = 1024 * 1024;

const knownFields = new Set<string>(exportFields);
const isExportField = (name: string): name is ExportField => knownFields.has(name);

/**
 * Card rows of a Stripe CSV export. Header names are matched case-insensitively (Stripe's own
 * example writes `CARD.NUMBER`); columns we do not know (metadata, `card.transaction_ids`) are
 * dropped by the parser itself, so their values never reach a record.
 */
export async function* readCsvRows(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<CsvRow> {
  let sawHeader = false;
  // Positions are kept as csv-parse parses (it runs ahead of our consumer, and an error ends
  // the stream before the records already parsed are read): a record starts on the line after
  // the previous one ends, past any blank lines.
  const parsed = { records: 0, endLine: 1, emptyLines: 0 };
  const startLine = (emptyLines: number) => parsed.endLine + 1 + (emptyLines - parsed.emptyLines);
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    max_record_size: MAX_CSV_RECORD_BYTES,
    columns: (header: string[]) => {
      sawHeader = true;
      return headerColumns(header);
    },
    on_record: (raw: RawExportRow, info): CsvRow => {
      parsed.records += 1;
      const row = { raw, line: startLine(info.empty_lines), record: parsed.records };
      parsed.endLine = info.lines;
      parsed.emptyLines = info.empty_lines;
      return row;
    },
  });
  pipeline(Readable.from(chunks, { objectMode: false }), parser, () => {
    // Errors reach the loop below through the parser; nothing to do here.
  });

  try {
    yield* parser as AsyncIterable<CsvRow>;
  } catch (e) {
    throw csvFailure(e, startLine, parsed.records + 1);
  } finally {
    parser.destroy();
  }
  if (!sawHeader) throw new ExportFileError('structure', 'the file is empty (no header row)');
}

/** Lower-cased names for our fields, `false` (csv-parse: skip this column) for the others. */
function headerColumns(header: string[]): (ExportField | false)[] {
  const seen = new Set<string>();
  const columns = header.map((raw) => {
    const name = raw.trim().toLowerCase();
    if (!isExportField(name)) return false;
    if (seen.has(name)) {
      throw new ExportFileError('structure', 'the header names this column twice', { line: 1, field: name });
    }
    seen.add(name);
    return name;
  });
  for (const field of requiredExportFields) {
    if (!seen.has(field)) {
      throw new ExportFileError('structure', `the header has no ${field} column`, { line: 1, field });
    }
  }
  return columns;
}

/**
 * Our words for csv-parse's errors. Its own messages are not reused: some quote the field's
 * value ("value is …"), which could be a card number.
 */
function csvFailure(e: unknown, startLine: (emptyLines: number) => number, record: number): unknown {
  if (!(e instanceof CsvError)) return e;
  const failure = e as CsvError & Partial<Info> & { column?: unknown };
  const field = typeof failure.column === 'string' ? failure.column : undefined;
  const at = (line: number | undefined) => ({ line, record, field });
  const recordStart = startLine(failure.empty_lines ?? 0);
  switch (failure.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new ExportFileError(
        'syntax',
        'a quoted value is never closed (the file ends inside quotes)',
        at(recordStart),
      );
    case 'INVALID_OPENING_QUOTE':
      return new ExportFileError(
        'syntax',
        'a quote appears inside a value that does not start with one',
        at(failure.lines),
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return new ExportFileError(
        'syntax',
        'a quoted value is followed by other characters before the next comma',
        at(failure.lines),
      );
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return new ExportFileError('syntax', 'the row does not have as many values as the header has columns', {
        line: recordStart,
        record,
      });
    case 'CSV_MAX_RECORD_SIZE':
      return new ExportFileError(
        'syntax',
        `a record is longer than ${MAX_CSV_RECORD_BYTES / 1024 / 1024} MiB (an unclosed quote?)`,
        at(recordStart),
      );
    default:
      return new ExportFileError('syntax', `the CSV does not parse (${failure.code})`, at(failure.lines));
  }
}
