#!/usr/bin/env node
// CLI start-up benchmark (`pnpm bench:cli` from the repo root; not a test: it prints, it does
// not judge). Starts a real server on a temp data dir, creates a tenant and a customer with
// its admin key, then runs, alternating, N times each:
//
//   node -e 0                                  the floor: a bare Node start
//   ./cardbridge --help                        the repo-root wrapper, as a user runs it
//   ./cardbridge cards list --customer <id>    one tRPC call to the running server
//
// and prints each median (and p90) and its ratio to `node -e 0`. The goal (issue 8): both
// CLI calls within 3× of `node -e 0`. Options: --runs N (default 30), --json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const wrapper = path.join(root, 'cardbridge');
const launcher = path.join(root, 'apps', 'cli', 'bin', 'cardbridge.mjs');
const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 30;
const asJson = args.includes('--json');
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write('usage: node apps/cli/bench/startup.mjs [--runs N] [--json]\n');
  process.exit(2);
}

const log = (line) => process.stderr.write(`${line}\n`);

/** The environment without anything that would point the CLI or the server elsewhere. */
function cleanEnv(extra) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('CARDBRIDGE_') || ['DATABASE_URL', 'HOST', 'PORT'].includes(name)) delete env[name];
  }
  return { ...env, ...extra };
}

function startServer(dataDir) {
  // The compiled CLI's `serve`, as one node process (SIGTERM reaches the server itself).
  const child = spawn(process.execPath, [launcher, 'serve'], {
    cwd: root,
    env: cleanEnv({ PORT: '0', CARDBRIDGE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    err += String(d);
  });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), 120_000);
    child.stdout.on('data', (d) => {
      out += String(d);
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url && /admin key: \S+/.test(out)) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${out}\n${err}`));
    });
  });
  return { child, ready };
}

function cli(argv, env) {
  const r = spawnSync(wrapper, argv, { cwd: root, env, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`./cardbridge ${argv.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Wall time of one child process, in milliseconds; it must succeed. */
function timed(file, argv, env) {
  const start = process.hrtime.bigint();
  const r = spawnSync(file, argv, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${file} ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cardbridge-bench-'));
const server = startServer(dataDir);
try {
  const url = await server.ready;
  const baseEnv = cleanEnv({ CARDBRIDGE_URL: url, CARDBRIDGE_DATA_DIR: dataDir });
  // A tenant of its own (the bootstrap key creates it), its admin key, one customer.
  const tenant = JSON.parse(cli(['tenants', 'create', '--name', 'bench', '--json'], baseEnv));
  const env = { ...baseEnv, CARDBRIDGE_API_KEY: tenant.adminKey.secret };
  const customer = JSON.parse(cli(['customers', 'create', '--first-name', 'Bench', '--json'], env));

  const cases = [
    { name: 'node -e 0', file: process.execPath, argv: ['-e', '0'] },
    { name: './cardbridge --help', file: wrapper, argv: ['--help'] },
    {
      name: `./cardbridge cards list --customer ${customer.id}`,
      file: wrapper,
      argv: ['cards', 'list', '--customer', String(customer.id)],
    },
  ];
  // One untimed round: the build is checked (and made, if stale) and the OS caches are warm.
  for (const c of cases) timed(c.file, c.argv, env);
  const times = cases.map(() => []);
  log(`${runs} runs of each, alternating…`);
  for (let i = 0; i < runs; i++) {
    cases.forEach((c, j) => {
      times[j].push(timed(c.file, c.argv, env));
    });
  }

  const base = median(times[0]);
  const rows = cases.map((c, j) => ({
    command: c.name,
    medianMs: Math.round(median(times[j])),
    p90Ms: Math.round(quantile(times[j], 0.9)),
    ratio: Math.round((median(times[j]) / base) * 100) / 100,
  }));
  const machine = {
    cpus: os.availableParallelism(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  if (asJson) {
    process.stdout.write(`${JSON.stringify({ runs, machine, rows }, null, 2)}\n`);
  } else {
    const width = Math.max(...rows.map((r) => r.command.length));
    const lines = [
      `${'command'.padEnd(width)}  median     p90  × node -e 0`,
      ...rows.map(
        (r) =>
          `${r.command.padEnd(width)}  ${`${r.medianMs} ms`.padStart(6)}  ${`${r.p90Ms} ms`.padStart(6)}  ${r.ratio.toFixed(2).padStart(11)}`,
      ),
      '',
      `${runs} runs each · ${machine.cpus} CPUs · node ${machine.node} · ${machine.platform} · load average ${machine.loadAverage.join(' ')}`,
      `goal: both CLI calls within 3× of node -e 0 → ${rows.slice(1).every((r) => r.ratio <= 3) ? 'met' : 'NOT met'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} finally {
  server.child.kill('SIGTERM');
  await new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) resolve();
    else {
      const force = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
      server.child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
    }
  });
  rmSync(dataDir, { recursive: true, force: true });
}
