import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { enableTypeScriptImports } from '../typescript-runtime.js';
import { topLevelCommand } from './catalogue.js';
import { applyServerEnv, startupError } from './serve.js';

export function registerWorker(program: Command, ctx: CliContext): void {
  topLevelCommand(program, 'worker').action(async () => {
    applyServerEnv(ctx);
    await enableTypeScriptImports();
    const api = await import('@cardbridge/server');
    try {
      await api.work();
    } catch (err) {
      throw startupError(err, 'worker');
    }
  });
}
