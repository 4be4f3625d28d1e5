import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, exitCodes, UsageError } from './errors.js';

/** The API's default HOST and PORT (apps/api/src/env.ts). */
export const defaultUrl = 'http://127.0.0.1:8787';

/**
 * `<repo>/.cardbridge`, computed exactly as apps/api/src/env.ts does (both files sit at
 * `apps/<app>/src/`), so the CLI finds the server's bootstrap key without importing the API.
 * A test checks the two agree.
 */
export const defaultDataDir = fileURLToPath(new URL('../../../.cardbridge', import.meta.url));

/** Same name as the API's `bootstrapKeyFileName`. */
export const bootstrapKeyFileName = 'bootstrap-admin.key';

/** The global flags, after commander applied env fallbacks and defaults. */
export interface GlobalFlags {
  url: string;
  apiKey?: string;
  dataDir?: string;
  json?: boolean;
  /** Where `apiKey` came from: the CARDBRIDGE_API_KEY variable or the `--api-key` flag. */
  apiKeySource?: 'env' | 'flag';
}

function dataDirOf(flags: Pick<GlobalFlags, 'dataDir'>): string {
  return flags.dataDir ? path.resolve(flags.dataDir) : defaultDataDir;
}

function bootstrapKeyPath(flags: Pick<GlobalFlags, 'dataDir'>): string {
  return path.join(dataDirOf(flags), bootstrapKeyFileName);
}

/** `--url`: an http(s) base URL, without a trailing slash. */
export function resolveUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got '${raw}'`, [
      { path: 'url', message: 'Invalid URL' },
    ]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url must be an http(s) URL, got '${raw}'`, [
      { path: 'url', message: 'Expected http: or https:' },
    ]);
  }
  return url.href.replace(/\/+$/, '');
}

/**
 * The API key: `--api-key`, else CARDBRIDGE_API_KEY (commander folds the env var into the flag),
 * else the bootstrap key file in the data dir. The key is never printed.
 *
 * A key that is given but empty (`CARDBRIDGE_API_KEY=` or `--api-key ''`, e.g. an unset shell
 * variable expanded) is a usage error: falling back to the bootstrap key — the platform's most
 * powerful key — would run the command as someone else without a word.
 */
export async function resolveApiKey(flags: GlobalFlags): Promise<string> {
  if (flags.apiKey !== undefined) {
    const given = flags.apiKey.trim();
    if (given) return given;
    const what =
      flags.apiKeySource === 'env'
        ? 'CARDBRIDGE_API_KEY is set but empty'
        : '--api-key was given an empty value';
    throw new UsageError(
      `${what}: set it to an API key (cbk_…), or unset it to use the bootstrap key file ${bootstrapKeyPath(flags)}`,
      [{ path: 'apiKey', message: 'empty API key' }],
    );
  }
  const file = bootstrapKeyPath(flags);
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no bootstrap key file at' : `cannot read the bootstrap key file (${code})`;
    throw new CliError(
      `no API key: pass --api-key or set CARDBRIDGE_API_KEY (${why} ${file}; \`cardbridge serve\` creates it on first start)`,
      exitCodes.auth,
      { domainCode: 'UNAUTHENTICATED' },
    );
  }
  const key = content.trim();
  if (!key) {
    throw new CliError(`no API key: the bootstrap key file ${file} is empty`, exitCodes.auth, {
      domainCode: 'UNAUTHENTICATED',
    });
  }
  return key;
}
