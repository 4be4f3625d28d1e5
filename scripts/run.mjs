#!/usr/bin/env node
// The README's front door: `npm start`, `npm test` and `./cardbridge` work on a machine with
// only Node and npm. Installs the pinned pnpm when it is missing (corepack is not used: it
// fails on registries without signatures), installs the workspace from the lockfile, then runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Runs the final command in the foreground: signals are passed on, its exit code is ours. */
function handOver(cmd, cmdArgs, opts = {}) {
  const child = spawn(cmd, cmdArgs, { stdio: 'inherit', cwd: root, env: process.env, ...opts });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
}

const tsxLoader = path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs');
const vitest = path.join(root, 'node_modules', '.bin', 'vitest');
const cli = path.join(root, 'apps/cli/src/main.ts');
const node = process.execPath;

switch (task) {
  case 'start':
    ensureInstalled({ quiet: false });
    handOver(node, ['--import', `file://${tsxLoader}`, cli, 'serve', ...args]);
    break;
  case 'test':
    ensureInstalled({ quiet: false });
    handOver(vitest, ['run', ...args]);
    break;
  case 'cardbridge':
    // The CLI: install quietly only when nothing is installed yet, so `--json` output stays clean.
    if (!existsSync(tsxLoader)) ensureInstalled({ quiet: true });
    handOver(node, ['--import', `file://${tsxLoader}`, cli, ...args], { cwd: process.cwd() });
    break;
  default:
    process.stderr.write('usage: node scripts/run.mjs start|test|cardbridge [args…]\n');
    process.exit(2);
}
