import { createTenantInput } from '@cardbridge/core/schemas';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { recordTable } from '../output.js';
import { parseInput } from '../parse.js';
import { topLevelCommand } from './catalogue.js';
import { secretNotice } from './keys.js';

export function registerTenants(program: Command, ctx: CliContext): void {
  const tenants = topLevelCommand(program, 'tenants');

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
          `Created tenant ${tenant.id} (${tenant.name}) and its first admin key.\n`,
          recordTable([
            ['tenant id', tenant.id],
            ['tenant name', tenant.name],
            ['admin key id', adminKey.apiKey.id],
            ['scopes', adminKey.apiKey.scopes.join(',')],
          ]),
          secretNotice(adminKey.secret, adminKey.apiKey.id),
        ].join('');
      });
    });
}
