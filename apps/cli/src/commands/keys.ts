import {
  type ApiKeyDto,
  createApiKeyInput,
  listApiKeysInput,
  revokeApiKeyInput,
  rotateKeysInput,
  scopes,
} from '@cardbridge/core/schemas';
import type { Command } from 'commander';
import type { ApiClient } from '../client.js';
import type { CliContext } from '../context.js';
import { CliError, exitCodes, UsageError } from '../errors.js';
import { recordTable, shortDate, table } from '../output.js';
import { defined, intValue, listValue, parseInput } from '../parse.js';
import { topLevelCommand } from './catalogue.js';

const tenantScopes = scopes.filter((s) => s !== 'platform');

/**
 * The only place a secret is ever printed: right after it was created, once, on a line of its
 * own under an explicit label. The rest of the output names the key by its numeric id only:
 * its public id (`cbk_…`, the secret's prefix) would be a second `cbk_…` string that looks like
 * a key and is not one.
 */
export function secretNotice(secret: string, keyId: number): string {
  return [
    '',
    `API key secret (key id ${keyId}; use it as CARDBRIDGE_API_KEY):`,
    '',
    `  ${secret}`,
    '',
    'This secret is shown only once: store it now. It cannot be shown again.',
    '',
  ].join('\n');
}

/** A just-created key, without its public id (see `secretNotice`). */
function createdKeyTable(key: ApiKeyDto): string {
  return recordTable([
    ['key id', key.id],
    ['name', key.name],
    ['scopes', key.scopes.join(',')],
    ['created', shortDate(key.createdDate)],
  ]);
}

function keyRows(keys: ApiKeyDto[]): string {
  return table(
    ['id', 'public id', 'name', 'scopes', 'created', 'last used', 'revoked'],
    keys.map((k) => [
      k.id,
      k.keyId,
      k.name,
      k.scopes.join(','),
      shortDate(k.createdDate),
      shortDate(k.lastUsedDate),
      shortDate(k.revokedDate),
    ]),
  );
}

/** `keys revoke` takes the numeric id or the public key id (`cbk_…`, as `keys list` shows it). */
async function resolveKeyId(client: ApiClient, raw: string): Promise<number | string> {
  if (!/^cbk_[0-9a-f]{12}$/.test(raw.trim())) return intValue(raw) ?? raw;
  const keys = await client.apiKeys.list.query({ includeRevoked: true });
  const match = keys.find((k) => k.keyId === raw.trim());
  if (!match)
    throw new UsageError(`no API key ${raw} in this tenant`, [{ path: 'id', message: 'Unknown key id' }]);
  return match.id;
}

export function registerKeys(program: Command, ctx: CliContext): void {
  const keys = topLevelCommand(program, 'keys');

  keys
    .command('create')
    .description('create an API key (its secret is shown once)')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--scopes <list>', `comma-separated scopes: ${tenantScopes.join(', ')}`)
    .action(async (opts: { name: string; scopes: string }) => {
      const input = parseInput(createApiKeyInput, { name: opts.name, scopes: listValue(opts.scopes) });
      const result = await (await ctx.client()).apiKeys.create.mutate(input);
      ctx.emit(result, () =>
        [
          `Created API key ${result.apiKey.id}.\n`,
          createdKeyTable(result.apiKey),
          secretNotice(result.secret, result.apiKey.id),
        ].join(''),
      );
    });

  keys
    .command('list')
    .description('list API keys (never their secrets)')
    .option('--include-revoked', 'also list revoked keys', false)
    .action(async (opts: { includeRevoked: boolean }) => {
      const input = parseInput(listApiKeysInput, { includeRevoked: opts.includeRevoked });
      const result = await (await ctx.client()).apiKeys.list.query(input);
      ctx.emit(result, () => `${keyRows(result)}${result.length} key${result.length === 1 ? '' : 's'}\n`);
    });

  keys
    .command('revoke')
    .description('revoke an API key: it stops working at once')
    .argument('<id>', 'key id (number) or public key id (cbk_…)')
    .action(async (rawId: string) => {
      const client = await ctx.client();
      const input = parseInput(revokeApiKeyInput, { id: await resolveKeyId(client, rawId) });
      const result = await client.apiKeys.revoke.mutate(input);
      ctx.emit(result, () =>
        [
          `Revoked API key ${result.id} (${result.keyId}).\n`,
          recordTable([
            ['id', result.id],
            ['public id', result.keyId],
            ['name', result.name],
            ['revoked', shortDate(result.revokedDate)],
          ]),
        ].join(''),
      );
    });

  registerKeyRotation(keys, ctx);
}

/** Batches in a row that re-encrypt nothing while rows remain: the rotation is stuck, not slow. */
const maxIdleBatches = 3;

function registerKeyRotation(keys: Command, ctx: CliContext): void {
  keys
    .command('rotate')
    .description(
      "rotate the vault's data key — NOT an API key: a new key version for your tenant, then card " +
        'numbers and gateway secrets are re-encrypted under it in batches (resumable; needs the admin scope)',
    )
    .option('--batch-size <n>', 'rows re-encrypted per request, 1..1000 (default 100)')
    .option('--resume', 'continue an interrupted rotation: re-encrypt only, no new key version', false)
    .action(async (opts: { batchSize?: string; resume: boolean }) => {
      const input = parseInput(rotateKeysInput, defined({ batchSize: intValue(opts.batchSize) }));
      const client = await ctx.client();
      const human = !ctx.flags().json;
      // Progress: one line per batch on stdout; with --json (stdout is for the result), on
      // stderr when that is a terminal.
      const say = (line: string) => {
        if (human) ctx.deps.io.out(`${line}\n`);
        else if (process.stderr.isTTY) ctx.deps.io.err(`${line}\n`);
      };
      let keyVersion: number | undefined;
      if (!opts.resume) {
        const rotated = await client.vault.rotateKey.mutate();
        keyVersion = rotated.keyVersion;
        say(`New data key version ${rotated.keyVersion}; ${rotated.remaining} rows to re-encrypt.`);
      }
      let total = 0;
      let batches = 0;
      let idle = 0;
      for (;;) {
        const batch = await client.vault.reencrypt.mutate(input);
        keyVersion = batch.keyVersion;
        batches++;
        total += batch.reencrypted;
        const done = Math.floor((100 * total) / Math.max(1, total + batch.remaining));
        say(
          `batch ${batches}: re-encrypted ${batch.reencrypted}, ${batch.remaining} remaining (${done}% done)`,
        );
        if (batch.remaining === 0) break;
        idle = batch.reencrypted === 0 ? idle + 1 : 0;
        if (idle >= maxIdleBatches) {
          throw new CliError(
            `the rotation made no progress in ${idle} batches with ${batch.remaining} rows still on older key ` +
              'versions; run `cardbridge keys rotate --resume` to try again',
            exitCodes.server,
          );
        }
      }
      const result = { keyVersion, reencrypted: total, remaining: 0, batches };
      ctx.emit(
        result,
        () => `Done: every sealed row is on data key version ${keyVersion} (${total} re-encrypted).\n`,
      );
    });
}
