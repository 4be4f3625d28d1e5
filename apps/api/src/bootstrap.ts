import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createDefaultTestAccount, issueApiKey } from '@cardbridge/api';
import { scopes } from '@cardbridge/core';
import { countTenants, type Db, insertTenant } from '@cardbridge/db';

export const bootstrapKeyFileName = 'bootstrap-admin.key';

/**
 * On first start with an empty database: a bootstrap tenant and an admin key with every
 * scope (including `platform`, to create tenants). The key goes to a 0600 file in the data
 * dir; only its path is printed, never the key.
 */
export async function ensureBootstrapKey(
  db: Db,
  dataDir: string,
): Promise<{ created: boolean; keyFile: string }> {
  const keyFile = path.join(dataDir, bootstrapKeyFileName);
  if ((await countTenants(db)) > 0) return { created: false, keyFile };
  const secret = await db.transaction(async (tx) => {
    const tenant = await insertTenant(tx, { name: 'bootstrap' });
    await createDefaultTestAccount(tx, tenant.id);
    return (await issueApiKey(tx, tenant.id, 'bootstrap admin', [...scopes])).secret;
  });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(keyFile, `${secret}\n`, { mode: 0o600 });
  await chmod(keyFile, 0o600);
  return { created: true, keyFile };
}
