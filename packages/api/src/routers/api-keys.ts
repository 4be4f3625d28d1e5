import {
  apiKeyDto,
  createApiKeyInput,
  createdApiKeyDto,
  listApiKeysInput,
  revokeApiKeyInput,
} from '@cardbridge/core';
import { z } from 'zod';
import * as access from '../services/access.js';
import { protectedProcedure, router } from '../trpc.js';

export const apiKeysRouter = router({
  create: protectedProcedure
    .input(createApiKeyInput)
    .output(createdApiKeyDto)
    .mutation(({ ctx, input }) => access.createApiKey(ctx.deps, ctx.principal, input)),
  list: protectedProcedure
    .input(listApiKeysInput.optional().transform((v) => v ?? { includeRevoked: false }))
    .output(z.array(apiKeyDto))
    .query(({ ctx, input }) => access.listApiKeys(ctx.deps, ctx.principal, input)),
  revoke: protectedProcedure
    .input(revokeApiKeyInput)
    .output(apiKeyDto)
    .mutation(({ ctx, input }) => access.revokeApiKey(ctx.deps, ctx.principal, input)),
});
