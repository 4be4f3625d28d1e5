/**
 * Payment gateways: the port, error kinds, the Stripe adapter and the test gateway.
 *
 * The shared contract suite (`./contract.ts`, `runGatewayContract`) is deliberately NOT
 * re-exported here: it imports vitest, which must not reach runtime code. Tests inside core
 * import it by path; other packages need it re-exported from the package's `./testing`
 * entry (`src/testing/index.ts`: `export * from '../gateway/contract.js'`).
 */
export * from './errors.js';
export * from './port.js';
export * from './stripe/index.js';
export * from './test/index.js';
