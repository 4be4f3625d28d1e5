#!/usr/bin/env node
// Builds the CLI into dist/ (git-ignored): src/main.ts and what it imports — commander, zod,
// the tRPC client, cli-table3 and core's schemas entry — bundled by esbuild into ES modules, one
// chunk per lazily imported command module, so a run loads plain JavaScript and only the chunks
// its command needs. `@cardbridge/server`, `@cardbridge/api` and `@cardbridge/stripe-emulator` stay outside the bundle:
// `serve`, `migrate` and `stripe-emulator` load them at run time (src/typescript-runtime.ts).
//
// Runs on `pnpm install` (this package's `prepare` script) and again from bin/cardbridge.mjs
// whenever a source file is newer than the build. Writes are atomic per file and main.js comes
// last, so a concurrent run sees either the old build or the new one, never half of one.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const distDir = path.join(here, 'dist');
/** The workspace files the build was made from, for bin/cardbridge.mjs's staleness check. */
export const inputsFile = path.join(distDir, 'inputs.json');

/** Loaded at run time, never bundled. */
const external = ['@cardbridge/api', '@cardbridge/server', '@cardbridge/stripe-emulator', 'tsx', 'tsx/*'];

/**
 * Start-up cost is mostly zod (loading it, then building the schemas). Two hints to esbuild:
 * - zod's `locales` namespace (≈ 250 KB of error messages in 50 languages) is replaced by
 *   English alone, the one zod configures by default and the only one the CLI uses;
 * - core's schema modules have no side effects, so a command's chunk holds only the schemas
 *   it imports (a `cards` run does not build the customer and API-key schemas).
 */
const lean = {
  name: 'cardbridge-lean',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";',
      loader: 'js',
    }));
    b.onResolve({ filter: /^(\.\.?\/.*\.js|@cardbridge\/core\/schemas)$/ }, async (args) => {
      if (args.pluginData === 'lean') return undefined;
      const fromCore = /[\\/]packages[\\/]core[\\/]src[\\/]/.test(args.importer);
      if (!fromCore && args.path !== '@cardbridge/core/schemas') return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'lean',
      });
      if (resolved.errors.length > 0) return undefined;
      return { path: resolved.path, sideEffects: false };
    });
  },
};

export async function build({ clean = false, quiet = false } = {}) {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: here,
    entryPoints: ['src/main.ts'],
    outdir: distDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    external,
    plugins: [lean],
    // Bundled CommonJS (cli-table3) calls require() for Node built-ins.
    banner: {
      js: "import { createRequire as __cardbridgeRequire } from 'node:module'; const require = __cardbridgeRequire(import.meta.url);",
    },
    // Whitespace and syntax only: names stay readable, and error names stay what they are.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    metafile: true,
    write: false,
    logLevel: quiet ? 'error' : 'warning',
  });

  if (clean) rmSync(distDir, { recursive: true, force: true });
  mkdirSync(distDir, { recursive: true });
  const tmp = (file) => `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const put = (file, contents) => {
    const t = tmp(file);
    writeFileSync(t, contents);
    renameSync(t, file);
  };
  const mainJs = path.join(distDir, 'main.js');
  const outputs = result.outputFiles;
  for (const out of outputs) if (out.path !== mainJs) put(out.path, out.contents);
  const inputs = Object.keys(result.metafile.inputs)
    .filter((f) => !f.includes('node_modules/'))
    .map((f) => path.resolve(here, f));
  put(
    inputsFile,
    `${JSON.stringify({ inputs: [...inputs, fileURLToPath(import.meta.url), path.join(here, 'package.json')] })}\n`,
  );
  const main = outputs.find((o) => o.path === mainJs);
  if (!main) throw new Error('esbuild produced no dist/main.js');
  put(mainJs, main.contents);

  // Chunks of earlier builds: hash-named, so never overwritten; removed once surely unused.
  const current = new Set([...outputs.map((o) => path.basename(o.path)), 'inputs.json']);
  const hourAgo = Date.now() - 3_600_000;
  for (const name of readdirSync(distDir)) {
    const file = path.join(distDir, name);
    if (current.has(name)) continue;
    try {
      if (statSync(file).mtimeMs < hourAgo) rmSync(file, { force: true });
    } catch {
      // Gone already (another build).
    }
  }

  if (!quiet) {
    const bytes = outputs.reduce((n, o) => n + o.contents.length, 0);
    process.stdout.write(
      `built ${path.relative(process.cwd(), mainJs) || mainJs} and ${outputs.length - 1} chunks (${Math.round(bytes / 1024)} KiB)\n`,
    );
  }
  return result.metafile;
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  await build({ clean: true, quiet: process.argv.includes('--quiet') });
}
