import { createdTenantDto, createTenantInput } from '@cardbridge/core';
import * as access from '../services/access.js';
import { protectedProcedure, router } from '../trpc.js';

export const tenantsRouter = router({
  create: protectedProcedure
    .input(createTenantInput)
    .output(createdTenantDto)
    .mutation(({ ctx, input }) => access.createTenant(ctx.deps, ctx.principal, input)),
});
