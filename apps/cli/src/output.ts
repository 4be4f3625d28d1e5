import Table from 'cli-table3';

export type { Io } from './io.js';

type Cell = string | number | boolean | null | undefined;

const cellText = (v: Cell): string => (v === null || v === undefined || v === '' ? '-' : String(v));

/** No colours: the output is the same on a terminal, in a pipe and in a test. */
const plain = { head: [] as string[], border: [] as string[], compact: true };

/** A table with a header row; with no rows it is just the header (an empty list). */
export function table(head: string[], rows: Cell[][]): string {
  const t = new Table({ head, style: plain });
  for (const row of rows) t.push(row.map(cellText));
  return `${t.toString()}\n`;
}

/** One record as a two-column field/value table. */
export function recordTable(fields: [label: string, value: Cell][]): string {
  const t = new Table({ style: plain });
  for (const [label, value] of fields) t.push({ [label]: cellText(value) });
  return `${t.toString()}\n`;
}

/** `2025-01-02T03:04:05.678Z` → `2025-01-02 03:04:05Z` (UTC, as the API sends it). */
export function shortDate(iso: string | null | undefined): string | null {
  if (!iso) return null;
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/**
 * The line that tells a person how to get the next page (Stripe-style cursors): forwards with
 * `--starting-after <lastId>`, or further back with `--ending-before <firstId>` when paging back.
 */
export function pageHint(opts: {
  command: string;
  page: { data: { id: number }[]; hasMore: boolean };
  backwards: boolean;
  noun: string;
}): string {
  const { data, hasMore } = opts.page;
  const count = `${data.length} ${opts.noun}${data.length === 1 ? '' : 's'}`;
  const first = data[0];
  const last = data[data.length - 1];
  if (!hasMore || !first || !last) return `${count}\n`;
  const cursor = opts.backwards ? `--ending-before ${first.id}` : `--starting-after ${last.id}`;
  return `${count}; more ${opts.backwards ? 'before these' : 'after these'}: ${opts.command} ${cursor}\n`;
}
