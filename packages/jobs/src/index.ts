export * from './engine.js';
export * from './rate-budget.js';
