// Test-only entry: the shared gateway contract suite imports vitest, so it stays out of the
// runtime barrel.
export * from '../gateway/contract.js';
export * from './charges.js';
