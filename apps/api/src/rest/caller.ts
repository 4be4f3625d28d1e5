import { appRouter } from '../routers/index.js';
import { createCallerFactory } from '../trpc.js';

/** The in-process tRPC caller every REST route goes through (auth, scopes, validation, audit). */
export const createCaller = createCallerFactory(appRouter);
export type RestCaller = ReturnType<typeof createCaller>;
