import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory above this file holding pnpm-workspace.yaml. */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('pnpm-workspace.yaml not found above the test directory');
    dir = parent;
  }
}

/** A file of the shared material (`../shared` next to the repository root). */
export const sharedPath = (...parts: string[]): string => join(repoRoot(), '..', 'shared', ...parts);

export const readSharedJson = <T = unknown>(...parts: string[]): T =>
  JSON.parse(readFileSync(sharedPath(...parts), 'utf8')) as T;
