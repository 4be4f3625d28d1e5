import { createTenantInput } from '@cardbridge/core';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { recordTable } from '../output.js';
import { parseInput } from '../parse.js';
import { secretNotice } from './keys.js';

export function registerTenants(program: Command, ctx: CliContext): void {
  const tenants = program
    .command('tenants')
    .description('manage tenants (needs a key with the platform scope, such as the bootstrap key)');

  tenants
    .command('create')
    .description("create a tenant and its first admin key (the key's secret is shown once)")
    .requiredOption('--name <name>', 'tenant name')
    .action(async (opts: { name: string }) => {
      const input = parseInput(createTenantInput, { name: opts.name });
      const result = await (await ctx.client()).tenants.create.mutate(input);
      ctx.emit(result, () => {
        const { tenant, adminKey } = result;
        return [
          `Created tenant ${tenant.id} (${tenant.name}).\n`,
          recordTable([
            ['tenant id', tenant.id],
            ['tenant name', tenant.name],
            ['admin key id', adminKey.apiKey.id],
            ['admin key', adminKey.apiKey.keyId],
            ['scopes', adminKey.apiKey.scopes.join(',')],
          ]),
          secretNotice(adminKey.secret),
        ].join('');
      });
    });
}
