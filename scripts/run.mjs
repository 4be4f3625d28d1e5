#!/usr/bin/env node
// The README's front door: `npm start`, `npm test` and `./cardbridge` work on a machine with
// only Node and npm. Installs the pinned pnpm when it is missing (corepack is not used: it
// fails on registries without signatures), installs the workspace from the lockfile, then runs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pnpmVersion = '10.34.9';
const [task, ...args] = process.argv.slice(2);

function run(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', cwd: root, env: process.env, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function pnpm() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim() === pnpmVersion) return ['pnpm', []];
  return ['npx', ['--yes', `pnpm@${pnpmVersion}`]];
}

function ensureInstalled({ quiet }) {
  const [cmd, pre] = pnpm();
  const installArgs = [...pre, 'install', '--frozen-lockfile', '--prefer-offline'];
  if (quiet) installArgs.push('--reporter=silent');
  const status = run(cmd, installArgs, quiet ? { stdio: ['ignore', 'ignore', 'inherit'] } : {});
  if (status !== 0) process.exit(status);
}

/**
 * Runs the final program in this very process, the way a shell's `exec` would (Node has no
 * exec): process.argv becomes the program's own, then its entry module is loaded. So there is
 * no second process: whoever signals us (a terminal's Ctrl-C, npm forwarding SIGINT/SIGTERM, a
 * supervisor, `kill -TERM`) signals the server itself, nothing has to forward a signal (a
 * forwarding parent used to add a second SIGINT to the terminal's, which killed the server
 * while PGlite was closing), and nothing can be orphaned. The program's exit code is ours.
 */
async function execInProcess(entry, entryArgs, { loader, cwd } = {}) {
  if (cwd) process.chdir(cwd);
  if (loader) await import(pathToFileURL(loader).href);
  process.argv = [process.execPath, entry, ...entryArgs];
  await import(pathToFileURL(entry).href);
}

const tsxLoader = path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const cli = path.join(root, 'apps/cli/src/main.ts');

switch (task) {
  case 'start':
    ensureInstalled({ quiet: false });
    await execInProcess(cli, ['serve', ...args], { loader: tsxLoader, cwd: root });
    break;
  case 'test':
    ensureInstalled({ quiet: false });
    await execInProcess(vitest, ['run', ...args], { cwd: root });
    break;
  case 'cardbridge':
    // The CLI: install quietly only when nothing is installed yet, so `--json` output stays clean.
    if (!existsSync(tsxLoader)) ensureInstalled({ quiet: true });
    await execInProcess(cli, args, { loader: tsxLoader });
    break;
  default:
    process.stderr.write('usage: node scripts/run.mjs start|test|cardbridge [args…]\n');
    process.exit(2);
}
