import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@cardbridge/api';
import { MasterKey } from '@cardbridge/core';
import type { Env } from './env.js';

const masterKeyFileName = 'master.key';

/**
 * CARDBRIDGE_MASTER_KEY when set. Otherwise, outside production only, a key generated once
 * into the data dir — with a loud warning, since a key beside the data it protects is no
 * protection against someone who has the disk.
 */
export async function loadMasterKey(env: Env, logger: Logger): Promise<MasterKey> {
  if (env.CARDBRIDGE_MASTER_KEY) return MasterKey.fromBase64(env.CARDBRIDGE_MASTER_KEY);
  if (env.NODE_ENV === 'production') {
    throw new Error('CARDBRIDGE_MASTER_KEY is required in production (base64 of 32 random bytes).');
  }
  const file = path.join(env.CARDBRIDGE_DATA_DIR, masterKeyFileName);
  let b64 = await readFile(file, 'utf8').catch(() => undefined);
  if (!b64) {
    b64 = MasterKey.generateBase64();
    await writeFile(file, `${b64}\n`, { mode: 0o600, flag: 'wx' }).catch(async () => {
      b64 = await readFile(file, 'utf8');
    });
  }
  logger.warn(
    { file },
    'USING A GENERATED MASTER KEY FROM THE DATA DIR. This is for development only: production must set CARDBRIDGE_MASTER_KEY.',
  );
  return MasterKey.fromBase64(b64!);
}
