import {
  countStaleSealedRows,
  listStaleGatewaySecrets,
  listStalePanRows,
  replaceGatewaySecretCiphertext,
  replacePanCiphertext,
} from '@cardbridge/db';
import type { Actor } from '../actor.js';
import type { AppDeps } from '../context.js';

/** Starts a rotation: a new data key version; rows move to it through `reencryptBatch`. */
export async function rotateDataKey(deps: AppDeps, actor: Actor) {
  const { version } = await deps.vault.rotateKey(actor.tenantId);
  return {
    keyVersion: version,
    reencrypted: 0,
    remaining: await countStaleSealedRows(deps.db, actor.tenantId, version),
  };
}

/**
 * Re-seals up to `batchSize` rows under the tenant's newest key. Resumable by construction:
 * every row records its key version, so a stopped rotation just continues with the rows still
 * on an older one. Each swap is a compare-and-set on the old ciphertext, so a row changed
 * meanwhile is simply picked up by the next batch.
 */
export async function reencryptBatch(deps: AppDeps, actor: Actor, input: { batchSize: number }) {
  const { tenantId } = actor;
  const { version } = await deps.vault.currentKey(tenantId);
  let reencrypted = 0;
  const pans = await listStalePanRows(deps.db, tenantId, version, input.batchSize);
  for (const row of pans) {
    const sealed = { ciphertext: row.panCiphertext!, keyVersion: row.panKeyVersion! };
    const next = await deps.vault.resealPan(tenantId, row.id, sealed);
    if (await replacePanCiphertext(deps.db, tenantId, row.id, sealed.ciphertext, next)) reencrypted++;
  }
  const secrets = await listStaleGatewaySecrets(
    deps.db,
    tenantId,
    version,
    Math.max(0, input.batchSize - pans.length),
  );
  for (const row of secrets) {
    const sealed = { ciphertext: row.credentialsCiphertext!, keyVersion: row.credentialsKeyVersion! };
    const next = await deps.vault.resealGatewaySecret(tenantId, row.id, sealed);
    if (await replaceGatewaySecretCiphertext(deps.db, tenantId, row.id, sealed.ciphertext, next))
      reencrypted++;
  }
  return {
    keyVersion: version,
    reencrypted,
    remaining: await countStaleSealedRows(deps.db, tenantId, version),
  };
}
