import { type MigrationItemDto, type MigrationJobDto, migrationItemOutcomes } from '@cardbridge/core/schemas';
import { recordTable, shortDate, table } from '../output.js';

/** How a migration job reads to a person: its progress, its counts, its tables and its summary. */

export const hasEnded = (job: MigrationJobDto) => ['completed', 'failed', 'cancelled'].includes(job.status);

const mode = (job: MigrationJobDto) => (job.dryRun ? 'plan' : 'run');

/** `stripe_account plan`. */
export const jobLabel = (job: MigrationJobDto) => `${job.kind} ${mode(job)}`;

/** `42s`, `3m 05s`, `1h 02m`. */
export function durationText(seconds: number | null | undefined): string | null {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return null;
  const s = Math.round(seconds);
  if (s < 1) return 'under 1s';
  const two = (n: number) => String(n).padStart(2, '0');
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  if (h > 0) return `${h}h ${two(m)}m`;
  if (m > 0) return `${m}m ${two(sec)}s`;
  return `${sec}s`;
}

const rateText = (perSecond: number) =>
  perSecond < 10 ? perSecond.toFixed(1) : String(Math.round(perSecond));

/** `created 118, failed 2`, in the order outcomes are listed; `no rows yet`. */
export function countsText(counts: MigrationJobDto['progress']['counts'], separator = ', '): string {
  const parts = migrationItemOutcomes.filter((o) => (counts[o] ?? 0) > 0).map((o) => `${o} ${counts[o]}`);
  return parts.length > 0 ? parts.join(separator) : 'no rows yet';
}

/**
 * `120/260+`: rows done of rows found; `+` while the source is still being read. A row can
 * bring others (a customer's further cards), so the total is never shown below what is done.
 */
export function rowsText(job: MigrationJobDto): string {
  const { done, total, sourceRead } = job.progress;
  return `${done}/${Math.max(total, done)}${sourceRead ? '' : '+'}`;
}

export const rateOf = (job: MigrationJobDto) =>
  job.progress.rowsPerSecond === null ? null : `${rateText(job.progress.rowsPerSecond)} rows/s`;

/** None once the job has ended, nor while the rows done outrun the rows found (more are being found). */
export const etaOf = (job: MigrationJobDto) =>
  hasEnded(job) || job.progress.done >= job.progress.total ? null : durationText(job.progress.etaSeconds);

/** One line of progress: `job 12 running: 120/260+ rows, 3.1 rows/s, ETA 1m 27s — created 118, failed 2`. */
export function progressLine(job: MigrationJobDto): string {
  const eta = etaOf(job);
  const parts = [`${rowsText(job)} rows`, rateOf(job), eta ? `ETA ${eta}` : null].filter(Boolean);
  return `job ${job.id} ${job.status}: ${parts.join(', ')} — ${countsText(job.progress.counts)}`;
}

export function jobRows(jobs: MigrationJobDto[]): string {
  return table(
    ['id', 'kind', 'mode', 'status', 'rows', 'outcomes', 'created', 'finished'],
    jobs.map((j) => [
      j.id,
      j.kind,
      mode(j),
      j.status,
      rowsText(j),
      countsText(j.progress.counts),
      shortDate(j.createdDate),
      shortDate(j.finishedDate),
    ]),
  );
}

function estimateText(job: MigrationJobDto): string | null {
  if (!job.estimate) return null;
  const { requests, requestsPerSecond, seconds } = job.estimate;
  const duration = durationText(seconds);
  return `${requests} requests at ${requestsPerSecond} requests/s: ${duration === 'under 1s' ? duration : `about ${duration}`}`;
}

/** `gatewayAccountId 3 · matchBy gateway_customer · requestsPerSecond 0.5` (the kind has its own line). */
function sourceText(source: MigrationJobDto['source']): string {
  return Object.entries(source)
    .filter(([key]) => key !== 'kind')
    .map(([key, value]) => `${key} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' · ');
}

export function jobRecord(job: MigrationJobDto): string {
  return recordTable([
    ['id', job.id],
    ['kind', job.kind],
    ['mode', job.dryRun ? 'plan (dry run: nothing is written)' : 'run'],
    ['status', job.status],
    ['source', sourceText(job.source)],
    ['rows', rowsText(job)],
    ['outcomes', countsText(job.progress.counts)],
    ['gateway requests', job.progress.requests],
    ['rate', rateOf(job)],
    ['ETA', etaOf(job)],
    ['a real run', estimateText(job)],
    ['error', job.error],
    ['created', shortDate(job.createdDate)],
    ['started', shortDate(job.startedDate)],
    ['finished', shortDate(job.finishedDate)],
  ]);
}

export function itemRows(items: MigrationItemDto[]): string {
  return table(
    ['seq', 'key', 'source customer', 'source card', 'outcome', 'reason', 'customer', 'payment method'],
    items.map((i) => [
      i.seq,
      i.key,
      i.sourceCustomerId,
      i.sourceCardId,
      i.outcome,
      i.reason,
      i.customerId,
      i.paymentMethodId,
    ]),
  );
}

/** Rows of a finished job shown as examples in its summary (the first few failures, skips). */
export interface Samples {
  failed: MigrationItemDto[];
  skipped: MigrationItemDto[];
}

function sampleLines(title: string, count: number, items: MigrationItemDto[]): string[] {
  if (count === 0) return [];
  const shown = items.length < count ? `; the first ${items.length}` : '';
  return [
    `${title} (${count}${shown}):`,
    ...items.map((i) => `  ${i.key}: ${i.reason ?? '(no reason given)'}`),
  ];
}

const elapsed = (job: MigrationJobDto) =>
  job.startedDate && job.finishedDate
    ? durationText((Date.parse(job.finishedDate) - Date.parse(job.startedDate)) / 1000)
    : null;

/** What a job came to, once it has ended: for a plan, what a run would do and how long it would take. */
export function summaryText(job: MigrationJobDto, samples: Samples): string {
  const { counts, done, requests } = job.progress;
  const took = elapsed(job);
  const head = job.dryRun ? `Plan ${job.id} (${job.kind})` : `Job ${job.id} (${job.kind})`;
  const lines = [
    `${head} ${job.status}${took ? ` in ${took}` : ''}: ${done} row${done === 1 ? '' : 's'}${
      job.dryRun ? ' read; a run would give:' : ' —'
    } ${countsText(counts)}.`,
    `${requests} request${requests === 1 ? '' : 's'} to the gateway.`,
  ];
  if (job.error) lines.push(`Error: ${job.error}`);
  lines.push(...sampleLines('Failed rows', counts.failed ?? 0, samples.failed));
  lines.push(...sampleLines('Skipped rows', counts.skipped ?? 0, samples.skipped));
  if ((counts.failed ?? 0) > samples.failed.length) {
    lines.push(`All failed rows: cardbridge jobs items ${job.id} --outcome failed`);
  }
  const estimate = estimateText(job);
  if (estimate) lines.push(`A real run: ${estimate}. Run it: the same command without --dry-run.`);
  if (!job.dryRun && done > 0) {
    lines.push(
      `Report: cardbridge jobs report ${job.id} --out report.csv · id map: cardbridge jobs id-map ${job.id} --out id-map.json`,
    );
  }
  return `${lines.join('\n')}\n`;
}
