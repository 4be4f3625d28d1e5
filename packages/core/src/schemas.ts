/**
 * `@cardbridge/core/schemas`: the zod contracts (inputs and DTOs) and nothing that talks to a
 * gateway — no Stripe SDK, no gateway adapters, no vault. What a client such as the CLI needs
 * to check its input before a request, at a fraction of the cost of loading `@cardbridge/core`.
 * A test keeps the Stripe SDK and the gateway code out of this entry's import graph.
 */
export * from './access/schemas.js';
export * from './customer/schemas.js';
export type { FieldIssue } from './errors.js';
export * from './gateway-account/schemas.js';
export * from './ids.js';
export * from './migration/schemas.js';
export * from './pagination.js';
export * from './payment-method/card-intake-schemas.js';
export * from './payment-method/expiring-schemas.js';
export * from './payment-method/schemas.js';
export * from './text.js';
