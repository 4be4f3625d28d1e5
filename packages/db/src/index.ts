export * from './client.js';
export * from './errors.js';
export * from './repositories/api-keys.js';
export * from './repositories/audit-events.js';
export * from './repositories/customers.js';
export type { KeysetPage } from './repositories/keyset.js';
export * from './repositories/payment-methods.js';
export * from './repositories/tenants.js';
export * as schema from './schema.js';
