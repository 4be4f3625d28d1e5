import type { MigrationItemRow } from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { migrationItems, toItemDto } from './jobs.js';

/*
 * What a job leaves behind, kept with it and rendered on demand from its items: the per-row
 * report (CSV, JSONL) and the old→new id map (JSON, CSV) — the source's customer and card ids
 * next to ours. Streamed a page at a time, so a million rows never sit in memory.
 */

export const artifactFormats = {
  report: ['csv', 'jsonl'],
  'id-map': ['json', 'csv'],
} as const;
export type Artifact = keyof typeof artifactFormats;
export type ArtifactFormat = (typeof artifactFormats)[Artifact][number];

/** RFC 4180: quote when needed; a leading formula character is neutralised for spreadsheets. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
const csvLine = (fields: unknown[]) => `${fields.map(csvField).join(',')}\r\n`;

const REPORT_COLUMNS = [
  'seq',
  'key',
  'position',
  'sourceCustomerId',
  'sourceCardId',
  'outcome',
  'reason',
  'customerId',
  'paymentMethodId',
  'customerCreated',
] as const;

const ID_MAP_COLUMNS = ['sourceCustomerId', 'sourceCardId', 'customerId', 'paymentMethodId'] as const;

/** Rows that map a source card to one of our payment methods. */
const mapped = (r: MigrationItemRow) => r.paymentMethodId !== null && r.sourceCardId !== null;

export async function* renderArtifact(
  deps: AppDeps,
  actor: Actor,
  id: number,
  artifact: Artifact,
  format: ArtifactFormat,
): AsyncGenerator<string> {
  const items = migrationItems(deps, actor, id);
  if (artifact === 'report' && format === 'csv') {
    yield csvLine([...REPORT_COLUMNS]);
    for await (const r of items) {
      const dto = toItemDto(r);
      yield csvLine(REPORT_COLUMNS.map((c) => (c === 'key' ? dto.key : dto[c])));
    }
    return;
  }
  if (artifact === 'report') {
    for await (const r of items) yield `${JSON.stringify(toItemDto(r))}\n`;
    return;
  }
  if (format === 'csv') {
    yield csvLine([...ID_MAP_COLUMNS]);
    for await (const r of items) if (mapped(r)) yield csvLine(ID_MAP_COLUMNS.map((c) => r[c]));
    return;
  }
  yield '[';
  let first = true;
  for await (const r of items) {
    if (!mapped(r)) continue;
    const entry = Object.fromEntries(ID_MAP_COLUMNS.map((c) => [c, r[c]]));
    yield `${first ? '' : ','}\n  ${JSON.stringify(entry)}`;
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}
