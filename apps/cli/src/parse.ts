import type { FieldIssue } from '@cardbridge/core/schemas';
import type { z } from 'zod';
import { UsageError } from './errors.js';

/**
 * Flag values go through the API's own zod input schema before any request, so a bad value
 * fails fast (exit 2) with the field it belongs to, in the same words the API would use.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidInput(result.error.issues);
}

function invalidInput(zodIssues: z.core.$ZodIssue[]): UsageError {
  const issues: FieldIssue[] = zodIssues.map((i) => ({
    path: i.path.map(String).join('.') || '(input)',
    message: i.message,
  }));
  return new UsageError(`Invalid input: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

/**
 * Checks the flags of an input before the rest of it exists (the card number and CVV are read
 * only once the flags are known good): issues on the `pending` fields are ignored.
 */
export function checkFlags(schema: z.ZodType, input: Record<string, unknown>, pending: string[]): void {
  const result = schema.safeParse(input);
  if (result.success) return;
  const issues = result.error.issues.filter((i) => !pending.includes(String(i.path[0])));
  if (issues.length > 0) throw invalidInput(issues);
}

/** An integer flag: digits become a number; anything else is left for the schema to reject by name. */
export function intValue(raw: string | undefined): number | string | undefined {
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : raw;
}

/** A decimal flag (`25.5`, `0`, `-1`); anything else is left for the schema to reject by name. */
export function numberValue(raw: string | undefined): number | string | undefined {
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(trimmed) ? Number(trimmed) : raw;
}

/** `read,write` or `read, write` → `['read', 'write']`. */
export function listValue(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** An optional text flag: absent stays absent; an empty value (`--email ''`) clears the field (null). */
export function clearableValue(raw: string | undefined): string | null | undefined {
  if (raw === undefined) return undefined;
  return raw.trim() === '' ? null : raw;
}

/** An optional integer that an empty value clears (`--country-id ''` → null). */
export function clearableInt(raw: string | undefined): number | string | null | undefined {
  const value = clearableValue(raw);
  return value === null || value === undefined ? value : intValue(value);
}

/** Drops absent keys, so "not given" never reaches the API as an explicit value. */
export function defined<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
