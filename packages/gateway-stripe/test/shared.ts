import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory above this file holding pnpm-workspace.yaml. */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('pnpm-workspace.yaml not found above the test directory');
    dir = parent;
  }
}

/**
 * Stripe reference data kept in the repository (MIT, from Stripe's public OpenAPI spec and
 * examples; see packages/stripe-emulator/test/fixtures/stripe/README.md), shared with the
 * emulator's tests.
 */
export const STRIPE_FIXTURES_DIR = join('packages', 'stripe-emulator', 'test', 'fixtures', 'stripe');

/** `stripeFixturePath('stripe-card-subset.json')`: a file of that directory. */
export const stripeFixturePath = (file: string): string => join(repoRoot(), STRIPE_FIXTURES_DIR, file);

export const readStripeFixture = <T = unknown>(file: string): T =>
  JSON.parse(readFileSync(stripeFixturePath(file), 'utf8')) as T;
