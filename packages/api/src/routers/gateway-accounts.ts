import { gatewayAccountDto, gatewayAccountIdInput } from '@cardbridge/core';
import { z } from 'zod';
import { createGatewayAccountInput } from '../gateways/kinds.js';
import * as gatewayAccounts from '../services/gateway-accounts.js';
import { protectedProcedure, router } from '../trpc.js';

export const gatewayAccountsRouter = router({
  create: protectedProcedure
    .input(createGatewayAccountInput)
    .output(gatewayAccountDto)
    .mutation(({ ctx, input }) => gatewayAccounts.createGatewayAccount(ctx.deps, ctx.principal, input)),
  list: protectedProcedure
    .output(z.array(gatewayAccountDto))
    .query(({ ctx }) => gatewayAccounts.listGatewayAccounts(ctx.deps, ctx.principal)),
  get: protectedProcedure
    .input(gatewayAccountIdInput)
    .output(gatewayAccountDto)
    .query(({ ctx, input }) => gatewayAccounts.getGatewayAccount(ctx.deps, ctx.principal, input)),
  disable: protectedProcedure
    .input(gatewayAccountIdInput)
    .output(gatewayAccountDto)
    .mutation(({ ctx, input }) => gatewayAccounts.disableGatewayAccount(ctx.deps, ctx.principal, input)),
});
