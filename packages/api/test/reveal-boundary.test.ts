import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
/** The only code allowed to turn a Pan or Cvv back into digits (house rule 1, docs/architecture.md). */
const allowed = ['packages/core/src/card/', 'packages/core/src/vault/', 'packages/core/src/gateway/'];

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'test') out.push(...(await sourceFiles(full)));
    } else if (entry.name.endsWith('.ts')) {
      out.push(full);
    }
  }
  return out;
}

describe('secret boundary', () => {
  it('only vault, gateway and card code call reveal()', async () => {
    const roots = [
      'packages/api/src',
      'apps/api/src',
      'apps/cli/src',
      'packages/core/src',
      'packages/db/src',
    ].map((r) => path.join(repo, r));
    const offenders: string[] = [];
    for (const root of roots) {
      for (const file of await sourceFiles(root)) {
        const rel = path.relative(repo, file);
        if (allowed.some((a) => rel.startsWith(a))) continue;
        if (/\.reveal\(\)/.test(await readFile(file, 'utf8'))) offenders.push(rel);
      }
    }
    expect(offenders).toEqual([]);
  });
});
