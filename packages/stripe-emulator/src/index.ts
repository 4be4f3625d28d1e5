/**
 * A local Stripe-compatible HTTP server for tests, benchmarks and demos. Point the
 * official SDK at it: `new Stripe(key, { host, port, protocol: 'http' })`.
 */
export { DEMO_SEED } from './ids.js';
export { DEMO_CONNECT_CUSTOMERS, demoConnectAccount, formatSeedTable, parseSeed } from './seed.js';
export { startStripeEmulator } from './server.js';
export { DECLINES, MAGIC_SUFFIXES, TEST_CARDS, type TestCard } from './test-cards.js';
export type {
  EmulatorStats,
  InjectedFault,
  SeededCustomer,
  SeedOptions,
  StripeEmulator,
  StripeEmulatorOptions,
} from './types.js';
