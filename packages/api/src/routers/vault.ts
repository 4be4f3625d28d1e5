import { rotateKeysInput, rotateKeysResult } from '@cardbridge/core';
import * as keyRotation from '../services/key-rotation.js';
import { protectedProcedure, router } from '../trpc.js';

export const vaultRouter = router({
  /** A new data key version for the caller's tenant. */
  rotateKey: protectedProcedure
    .output(rotateKeysResult)
    .mutation(({ ctx }) => keyRotation.rotateDataKey(ctx.deps, ctx.principal)),
  /** Re-seals one batch of rows under the newest key; repeat until `remaining` is 0. */
  reencrypt: protectedProcedure
    .input(rotateKeysInput)
    .output(rotateKeysResult)
    .mutation(({ ctx, input }) => keyRotation.reencryptBatch(ctx.deps, ctx.principal, input)),
});
