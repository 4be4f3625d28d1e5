import type { MigrationJobRow } from '@cardbridge/db';
import { bulkExportKind } from './bulk-export.js';
import { JobFailure, type MigrationKindModule } from './context.js';
import { exportFileKind } from './export-file.js';
import { mappingFileKind } from './mapping-file.js';
import { stripeAccountKind } from './stripe-account.js';

/** One module per source kind (see MigrationKindModule). */
const modules: Partial<Record<MigrationJobRow['kind'], MigrationKindModule>> = {
  stripe_account: stripeAccountKind,
  bulk_export: bulkExportKind,
  export_file: exportFileKind,
  mapping_file: mappingFileKind,
};

export function kindModule(kind: MigrationJobRow['kind']): MigrationKindModule {
  const module = modules[kind];
  if (!module) throw new JobFailure(`migration jobs of kind '${kind}' are not supported by this server`);
  return module;
}

export const supportedKinds = (): MigrationJobRow['kind'][] =>
  Object.keys(modules) as MigrationJobRow['kind'][];
