/*
 * @cardbridge/server: the HTTP host of @cardbridge/api — tRPC over HTTP, the Fusebill-style
 * REST facade, health probes, environment, start-up and shutdown.
 */
export { openConfiguredDatabase, type RunningApp, startApp } from './app.js';
export { bootstrapKeyFileName } from './bootstrap.js';
export { defaultDataDir, type Env, parseEnv } from './env.js';
export { serve } from './main.js';
export { work } from './worker.js';
