#!/usr/bin/env node
// The CLI's launcher (the package's bin, and what the repo-root `./cardbridge` runs): runs the
// compiled CLI in dist/. `pnpm install` builds it (the `prepare` script); if dist/ is missing or
// a source file it was built from changed since, it is rebuilt first (esbuild, ~0.3 s), so an
// edit to apps/cli/src or packages/core/src is never run stale. The check is a few dozen stat()s.
import { readFileSync, statSync } from 'node:fs';
import module from 'node:module';

// Node ≥ 22.1 caches compiled code between runs; Node 20 has no such cache (a no-op there).
module.enableCompileCache?.();

const dist = new URL('../dist/', import.meta.url);

function upToDate() {
  try {
    const built = statSync(new URL('main.js', dist)).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(new URL('inputs.json', dist), 'utf8'));
    return inputs.every((file) => statSync(file).mtimeMs <= built);
  } catch {
    return false;
  }
}

if (!upToDate()) {
  const { build } = await import('../build.mjs');
  await build({ quiet: true });
}
const { main } = await import('../dist/main.js');
await main();
