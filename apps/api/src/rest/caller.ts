import { appRouter, createCallerFactory } from '@cardbridge/api';

/** The in-process tRPC caller every REST route goes through (auth, scopes, validation, audit). */
export const createCaller = createCallerFactory(appRouter);
export type RestCaller = ReturnType<typeof createCaller>;
