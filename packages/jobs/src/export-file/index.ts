export {
  type ClearBytes,
  type DecryptionKeyOptions,
  detectEncoding,
  type ExportFileEncoding,
  readDecryptionKey,
} from './decrypt.js';
export {
  ExportFileError,
  type ExportFileErrorReason,
  type ExportFileErrorWhere,
  isExportFileError,
} from './errors.js';
export {
  type ExportKeyPair,
  type GeneratedExportSummary,
  type GeneratedJsonShape,
  type GenerateStripeExportOptions,
  generateExportKeyPair,
  generateStripeExport,
  writeStripeExport,
} from './generate.js';
export {
  type GeneratedCard,
  type GeneratedCardsOptions,
  type GeneratedCustomer,
  generatedCustomers,
} from './generated-cards.js';
export { type ExportFileFormat, type ReadStripeExportOptions, readStripeExportFile } from './read.js';
export type { ExportFileSource } from './source.js';
export * from './types.js';
