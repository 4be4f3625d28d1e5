export * from './export-file/index.js';
