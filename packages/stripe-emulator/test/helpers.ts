import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { expect } from 'vitest';
import { type StripeEmulator, type StripeEmulatorOptions, startStripeEmulator } from '../src/index.js';

export const SECRET_KEY = 'sk_test_emulatorSuite0001';

/** The official SDK pointed at the emulator; no retries unless a test asks for them. */
export function sdk(
  emulator: StripeEmulator,
  options: { key?: string; maxNetworkRetries?: number; timeout?: number } = {},
): Stripe {
  return new Stripe(options.key ?? SECRET_KEY, {
    host: emulator.host,
    port: emulator.port,
    protocol: 'http',
    telemetry: false,
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
  });
}

export async function start(options: StripeEmulatorOptions = {}) {
  const logged: string[] = [];
  const emulator = await startStripeEmulator({ ...options, log: (line) => logged.push(line) });
  return { emulator, stripe: sdk(emulator), logged };
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function failure(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    return error as Stripe.errors.StripeError;
  }
  expect.unreachable('expected the call to fail');
  throw new Error('unreachable');
}

export interface RawResponse {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

/** A plain HTTP call (exact JSON and headers, no SDK in between). */
export async function raw(
  emulator: StripeEmulator,
  method: string,
  urlPath: string,
  options: { form?: Record<string, string>; key?: string | null; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? SECRET_KEY : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const res = await fetch(`${emulator.url}${urlPath}`, { method, headers, ...(body ? { body } : {}) });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

/** Stripe's public OpenAPI subset and example objects (MIT), kept in test/fixtures/stripe. */
export const stripeFixture = (file: string) =>
  path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'stripe', file);

export const nextYear = new Date().getUTCFullYear() + 1;

export async function customerWithCard(stripe: Stripe, source = 'tok_visa', options?: Stripe.RequestOptions) {
  const customer = await stripe.customers.create({ email: 'jenny@example.com' }, options);
  const card = (await stripe.customers.createSource(customer.id, { source }, options)) as Stripe.Card;
  return { customer, card };
}
