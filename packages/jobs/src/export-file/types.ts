import type { Pan } from '@cardbridge/core';

/** Where a record sits in the file: its 1-based line (CSV) and its 1-based number among card records. */
export interface ExportFilePosition {
  /** The line the record starts on (CSV; a quoted value may span more lines). Absent for JSON. */
  line?: number;
  /** 1-based count of card records read so far, this one included (the CSV header is not one). */
  record: number;
}

export interface ExportCustomer {
  /** Stripe customer id (`cus_…`). */
  id: string;
  email: string | null;
  name: string | null;
  description: string | null;
  /** The customer's default payment source id (`card_…`, `pm_…`, `src_…` or `ba_…`), if any. */
  defaultSource: string | null;
}

export interface ExportCardAddress {
  addressLine1: string | null;
  addressLine2: string | null;
  addressCity: string | null;
  addressState: string | null;
  addressZip: string | null;
  /** As Stripe exports it (usually an ISO 3166-1 alpha-2 code); not validated here. */
  addressCountry: string | null;
}

export interface ExportCard extends ExportCardAddress {
  /** Stripe card id (`card_…`). */
  id: string;
  /** The card number as a secret: masks itself, throws on JSON (house rule 1). Brand, last 4: `number.brand`, `number.last4`. */
  number: Pan;
  /** 1–12 */
  expMonth: number;
  /** Four digits (a two-digit year in the file is read as 20YY). */
  expYear: number;
  /** Name on the card. */
  name: string | null;
}

/** The export's field names as Stripe spells them; row problems and file errors name these. */
export const exportFields = [
  'id',
  'email',
  'name',
  'description',
  'default_source',
  'card.id',
  'card.number',
  'card.exp_month',
  'card.exp_year',
  'card.name',
  'card.address_line1',
  'card.address_line2',
  'card.address_city',
  'card.address_state',
  'card.address_zip',
  'card.address_country',
] as const;

export type ExportField = (typeof exportFields)[number];

/** Columns a CSV export must have; every other column is optional. */
export const requiredExportFields = [
  'id',
  'card.id',
  'card.number',
  'card.exp_month',
  'card.exp_year',
] as const satisfies readonly ExportField[];

/** One bad value in one row. `reason` is in words and never repeats the value. */
export interface ExportRowProblem {
  field: ExportField;
  reason: string;
}

/** A row whose values are all usable. */
export interface ExportCardRecord {
  ok: true;
  position: ExportFilePosition;
  customer: ExportCustomer;
  card: ExportCard;
  /** Valid rows are imported even when expired; the flag lets a job count or skip them. */
  expired: boolean;
  /** `customer.defaultSource === card.id`. */
  isDefault: boolean;
  problems: readonly [];
}

type Nullable<T> = { [K in keyof T]: T[K] | null };

/**
 * A row with at least one bad value: the job reports it and goes on with the next row. The values
 * that could be read are kept (ids name the row in a report); the bad ones are null.
 */
export interface ExportInvalidRecord {
  ok: false;
  position: ExportFilePosition;
  customer: Nullable<ExportCustomer>;
  card: Nullable<ExportCard>;
  /** Known only when the expiry itself is valid. */
  expired: boolean | null;
  isDefault: boolean;
  problems: readonly [ExportRowProblem, ...ExportRowProblem[]];
}

export type StripeExportRecord = ExportCardRecord | ExportInvalidRecord;
