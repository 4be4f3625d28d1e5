/**
 * Payment gateways: the port, error kinds and the in-process test gateway. The Stripe adapter
 * lives in `@cardbridge/gateway-stripe`.
 *
 * The shared contract suite (`./contract.ts`, `runGatewayContract`) is deliberately NOT
 * re-exported here: it imports vitest, which must not reach runtime code. Tests inside core
 * import it by path; other packages need it re-exported from the package's `./testing`
 * entry (`src/testing/index.ts`: `export * from '../gateway/contract.js'`).
 */
export * from './errors.js';
export * from './kind.js';
export * from './port.js';
export * from './test/index.js';
