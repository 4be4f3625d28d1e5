/**
 * A local Stripe-compatible HTTP server for tests, benchmarks and demos. Point the
 * official SDK at it: `new Stripe(key, { host, port, protocol: 'http' })`.
 */
export {
  type EmulatorControl,
  EmulatorControlError,
  emulatorControl,
  type RateLimits,
  readEmulatorStats,
  resetEmulatorStats,
  type SeedReply,
} from './control.js';
export { DEMO_SEED } from './ids.js';
export {
  DEFAULT_CREATED_FROM,
  DEFAULT_CREATED_TO,
  DEMO_CONNECT_CUSTOMERS,
  demoConnectAccount,
  formatSeedTable,
  parseSeed,
} from './seed.js';
export { startStripeEmulator } from './server.js';
export { DECLINES, MAGIC_SUFFIXES, TEST_CARDS, type TestCard } from './test-cards.js';
export type {
  EmulatorConfig,
  EmulatorRequestStats,
  EmulatorStats,
  EmulatorStatsReport,
  FaultRates,
  InjectedFault,
  RequestCounts,
  SeededCustomer,
  SeedOptions,
  StripeEmulator,
  StripeEmulatorOptions,
} from './types.js';
