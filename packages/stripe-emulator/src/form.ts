import { echo, invalidRequest } from './errors.js';

/**
 * Stripe's form encoding: `card[number]=…`, `metadata[k]=v`, `expand[]=a` or
 * `expand[0]=a`. Everything is a string or a nested object; arrays are objects with
 * numeric keys (the SDK sends `expand[0]`, curl users send `expand[]`), read back with
 * `list()`.
 */
export type FormValue = string | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** `a[b][c]` → ['a', 'b', 'c']; `a[]` → ['a', '']. Malformed brackets stay part of the name. */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0 || !key.endsWith(']')) return [key];
  const parts = [key.slice(0, open)];
  const rest = key.slice(open);
  const re = /\[([^[\]]*)\]/g;
  let consumed = 0;
  for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
    if (m.index !== consumed) return [key];
    parts.push(m[1] ?? '');
    consumed = m.index + m[0].length;
  }
  return consumed === rest.length ? parts : [key];
}

export function parseForm(encoded: string): FormObject {
  const root: FormObject = Object.create(null) as FormObject;
  for (const [rawKey, value] of new URLSearchParams(encoded)) {
    const path = splitKey(rawKey);
    let node = root;
    for (let i = 0; i < path.length; i++) {
      let segment = path[i] ?? '';
      const last = i === path.length - 1;
      if (segment === '' && i > 0) segment = String(Object.keys(node).length);
      if (last) {
        node[segment] = value;
        break;
      }
      const next = node[segment];
      if (typeof next === 'object') {
        node = next;
      } else {
        // `metadata=` followed by `metadata[k]=v`: the nested form wins.
        const created = Object.create(null) as FormObject;
        node[segment] = created;
        node = created;
      }
    }
  }
  return root;
}

export function isFormObject(value: FormValue | undefined): value is FormObject {
  return typeof value === 'object' && value !== null;
}

/** A scalar param; a nested object where a string belongs is Stripe's "Invalid string". */
export function str(params: FormObject, key: string, param = key): string | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${describe(value)}`, param);
  return value;
}

/** Like `str`, but an empty string means "unset" (null), as Stripe treats it on updates. */
export function nullableStr(params: FormObject, key: string, param = key): string | null | undefined {
  const value = str(params, key, param);
  if (value === undefined) return undefined;
  return value === '' ? null : value;
}

export function int(params: FormObject, key: string, param = key): number | undefined {
  const value = str(params, key, param);
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw invalidRequest(`Invalid integer: ${echo(value)}`, param);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw invalidRequest(`Invalid integer: ${echo(value)}`, param);
  return n;
}

export function bool(params: FormObject, key: string, param = key): boolean | undefined {
  const value = str(params, key, param);
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidRequest(`Invalid boolean: ${echo(value)}`, param);
}

export function obj(params: FormObject, key: string, param = key): FormObject | undefined {
  const value = params[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') throw invalidRequest(`Invalid object`, param);
  return value;
}

/** `expand[]=a&expand[]=b`, `expand[0]=a`, or a single `expand=a`. */
export function list(params: FormObject, key: string): string[] {
  const value = params[key];
  if (value === undefined || value === '') return [];
  if (typeof value === 'string') return [value];
  return Object.keys(value)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => value[k])
    .filter((v): v is string => typeof v === 'string');
}

const MAX_METADATA_KEYS = 50;
const MAX_METADATA_KEY_LENGTH = 40;
const MAX_METADATA_VALUE_LENGTH = 500;

/**
 * Stripe's metadata rule: `metadata=` clears everything, `metadata[k]=` removes k, other
 * keys are set; keys not mentioned are kept.
 */
export function applyMetadata(
  current: Record<string, string>,
  params: FormObject,
  key = 'metadata',
): Record<string, string> {
  const value = params[key];
  if (value === undefined) return current;
  if (value === '') return {};
  if (typeof value === 'string') throw invalidRequest('Invalid object', key);
  const next = { ...current };
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalidRequest(`Invalid string: ${describe(v)}`, `${key}[${k}]`);
    if (k.length > MAX_METADATA_KEY_LENGTH) {
      throw invalidRequest(
        `Metadata keys must be at most ${MAX_METADATA_KEY_LENGTH} characters long. Invalid key: '${k}'`,
        `${key}[${k}]`,
      );
    }
    if (v.length > MAX_METADATA_VALUE_LENGTH) {
      throw invalidRequest(
        `Metadata values can have up to ${MAX_METADATA_VALUE_LENGTH} characters, but you passed in a value that is ${v.length} characters. Invalid value: '${echo(v.slice(0, 20))}...'`,
        `${key}[${k}]`,
      );
    }
    if (v === '') delete next[k];
    else next[k] = v;
  }
  if (Object.keys(next).length > MAX_METADATA_KEYS) {
    throw invalidRequest(`Invalid metadata: metadata can have up to ${MAX_METADATA_KEYS} keys.`, key);
  }
  return next;
}

/** A short, card-data-free description of a nested value for error messages. */
function describe(value: FormValue): string {
  if (typeof value === 'string') return echo(value);
  return `{${Object.keys(value).slice(0, 5).join(', ')}}`;
}
