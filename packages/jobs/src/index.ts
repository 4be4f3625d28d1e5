export * from './engine.js';
export * from './export-file/index.js';
export * from './rate-budget.js';
