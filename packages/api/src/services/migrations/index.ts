/*
 * Bulk migration jobs: what a tenant asks for (jobs.ts), what workers do (runner.ts and one
 * module per source kind), and what a job leaves (artifacts.ts). Every row's change goes
 * through the payment-method pipeline with the job as its Actor.
 */

export { DEFAULT_CHUNK_CONCURRENCY } from '@cardbridge/jobs';
export { type Artifact, type ArtifactFormat, artifactFormats, renderArtifact } from './artifacts.js';
export {
  looksLikePgp,
  MAX_FILE_BYTES,
  type MigrationFileDto,
  readMigrationFile,
  requireMigrationFile,
  storeMigrationFile,
  sweepIncompleteUploads,
} from './files.js';
export {
  controlMigrationJob,
  createMigrationJob,
  getMigrationJobDto,
  listMigrationJobItems,
  listMigrationJobs,
  requeueUnfinishedJobs,
} from './jobs.js';
export { completeIfDone, migrationHandlers, startMigrationWorker } from './runner.js';
