/**
 * The server's lifecycle from outside: the real server (`node --import tsx apps/api/src/main.ts`)
 * as a child process on its own embedded PGlite data dir.
 * - Stopped by SIGTERM, by SIGINT repeated while it closes, by SIGHUP, and restarted each time:
 *   it exits 0 and the next customer's id is exactly the previous one + 1 (PGlite's crash
 *   recovery would make every sequence jump by ~32).
 * - A second server on the same data dir exits non-zero naming the first one's pid, and so does
 *   `cardbridge migrate`; the first keeps serving.
 * - A stale lock (a dead pid) is taken over; a port in use is a non-zero exit that releases the
 *   lock.
 * - Wrappers pass signals on: `kill -TERM` on `npm run cardbridge -- serve` (npm → sh → node),
 *   on `pnpm serve`, on `scripts/run.mjs` and on the root `cardbridge` script stops the server;
 *   no orphan.
 * Nothing here waits on a clock: every wait is for an output line or an exit, with generous
 * bounds only against a hang.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MasterKey } from '@cardbridge/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const mainTs = path.join(root, 'apps', 'api', 'src', 'main.ts');
const masterKey = MasterKey.generateBase64();
const hangBoundMs = 60_000;

interface Proc {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `re` in the output; rejects if the process exits first. */
  waitFor(re: RegExp): Promise<RegExpExecArray>;
}

const running = new Set<Proc>();

/** The environment without anything that would point the child elsewhere (PGlite always). */
function childEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('CARDBRIDGE_') || ['DATABASE_URL', 'HOST', 'PORT', 'LOG_LEVEL'].includes(name)) {
      delete env[name];
    }
  }
  return {
    ...env,
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'silent',
    CARDBRIDGE_DATA_DIR: dataDir,
    CARDBRIDGE_MASTER_KEY: masterKey,
    ...extra,
  };
}

function launch(cmd: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += String(d);
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const proc: Proc = {
    child,
    output: () => out,
    exited,
    waitFor: (re) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${re}:\n${out}`)),
          hangBoundMs,
        );
        const check = () => {
          const m = re.exec(out);
          if (!m) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(m);
        };
        listeners.add(check);
        check();
        void exited.then(({ code, signal }) => {
          if (!listeners.has(check)) return;
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`exited (${code ?? signal}) before ${re}:\n${out}`));
        });
      }),
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

const startServer = (dataDir: string, extra: Record<string, string> = {}) =>
  launch(process.execPath, ['--import', 'tsx', mainTs], childEnv(dataDir, extra));

async function listening(proc: Proc): Promise<string> {
  return (await proc.waitFor(/listening on (http:\/\/\S+)/))[1] as string;
}

/** Waits for the exit, bounded against a hang. */
async function exitOf(proc: Proc): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not exit:\n${proc.output()}`)), hangBoundMs);
  });
  try {
    return await Promise.race([proc.exited, bound]);
  } finally {
    clearTimeout(timer);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function call<T>(url: string, key: string, procedure: string, input: unknown): Promise<T> {
  const res = await fetch(`${url}/trpc/${procedure}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: T }; error?: { message: string } };
  if (!body.result) throw new Error(`${procedure}: ${res.status} ${body.error?.message}`);
  return body.result.data;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

const dirs: string[] = [];
async function freshDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cardbridge-life-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  // Hang protection: whatever a failed test left running is stopped.
  for (const proc of running) proc.child.kill('SIGKILL');
  await Promise.all([...running].map((p) => p.exited));
});

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('stop and restart the embedded server', () => {
  let dataDir: string;
  let tenantKey: string;
  let lastId: number;

  beforeAll(async () => {
    dataDir = await freshDataDir();
    const server = startServer(dataDir);
    const url = await listening(server);
    const bootstrap = (await readFile(path.join(dataDir, 'bootstrap-admin.key'), 'utf8')).trim();
    const tenant = await call<{ adminKey: { secret: string } }>(url, bootstrap, 'tenants.create', {
      name: 'Lifecycle',
    });
    tenantKey = tenant.adminKey.secret;
    lastId = (await call<{ id: number }>(url, tenantKey, 'customers.create', { firstName: 'First' })).id;
    server.child.kill('SIGTERM');
    expect(await exitOf(server)).toEqual({ code: 0, signal: null });
  }, 120_000);

  /** Starts, checks the sequence did not jump, then stops it with `stop`: a clean exit 0. */
  async function oneLife(stop: (server: Proc) => Promise<void>, extra: Record<string, string> = {}) {
    const server = startServer(dataDir, extra);
    const url = await listening(server);
    expect(existsSync(path.join(dataDir, 'pgdata.lock'))).toBe(true);
    const { id } = await call<{ id: number }>(url, tenantKey, 'customers.create', { firstName: 'Next' });
    expect(id, 'a jump means PGlite ran crash recovery: the previous stop was not clean').toBe(lastId + 1);
    lastId = id;
    await stop(server);
    expect(await exitOf(server), server.output()).toEqual({ code: 0, signal: null });
    expect(existsSync(path.join(dataDir, 'pgdata.lock'))).toBe(false);
  }

  it('SIGTERM, SIGINT repeated while closing, SIGHUP, SIGINT then SIGTERM: each a clean stop, no crash recovery', async () => {
    const signalTwiceWhileClosing =
      (first: NodeJS.Signals, then: NodeJS.Signals[]) => async (server: Proc) => {
        server.child.kill(first);
        // "shutting down" is logged once close() has started: what follows arrives while it runs
        // (or after it finished, which is fine too).
        await server.waitFor(/"msg":"shutting down"/);
        for (const signal of then) server.child.kill(signal);
      };
    for (let round = 0; round < 2; round++) {
      await oneLife(async (server) => {
        server.child.kill('SIGTERM');
      });
      await oneLife(signalTwiceWhileClosing('SIGINT', ['SIGINT', 'SIGINT']), { LOG_LEVEL: 'info' });
      // Back to back, as a terminal and a wrapper deliver them.
      await oneLife(async (server) => {
        server.child.kill('SIGINT');
        server.child.kill('SIGINT');
      });
      await oneLife(async (server) => {
        server.child.kill('SIGHUP');
      });
      await oneLife(signalTwiceWhileClosing('SIGINT', ['SIGTERM', 'SIGHUP']), { LOG_LEVEL: 'info' });
    }
  }, 300_000);
});

describe('one process per data dir', () => {
  it('refuses a second server and `cardbridge migrate` at once, naming the holder; the first keeps serving', async () => {
    const dataDir = await freshDataDir();
    const first = startServer(dataDir);
    const url = await listening(first);
    const pid = first.child.pid as number;

    const second = startServer(dataDir);
    const secondExit = await exitOf(second);
    expect(secondExit.code, second.output()).not.toBe(0);
    expect(second.output()).toContain(`pid ${pid} on ${hostname()}`);
    expect(second.output()).not.toContain('listening on');

    const migrate = launch(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'apps', 'cli', 'src', 'main.ts'), 'migrate'],
      childEnv(dataDir),
    );
    const migrateExit = await exitOf(migrate);
    expect(migrateExit.code, migrate.output()).not.toBe(0);
    expect(migrate.output()).toContain(`pid ${pid}`);
    expect(migrate.output()).not.toContain('Aborted');

    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(JSON.parse(await readFile(path.join(dataDir, 'pgdata.lock'), 'utf8'))).toMatchObject({ pid });
    first.child.kill('SIGTERM');
    expect(await exitOf(first)).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('takes over a stale lock (its pid is not running) with a warning', async () => {
    const dataDir = await freshDataDir();
    const stalePid = await deadPid();
    await writeFile(
      path.join(dataDir, 'pgdata.lock'),
      JSON.stringify({ pid: stalePid, hostname: hostname(), startedAt: '2020-01-01T00:00:00.000Z' }),
    );
    const server = startServer(dataDir, { LOG_LEVEL: 'warn' });
    await listening(server);
    expect(server.output()).toContain('took over the stale lock');
    expect(server.output()).toContain(`pid ${stalePid}`);
    const lock = JSON.parse(await readFile(path.join(dataDir, 'pgdata.lock'), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(server.child.pid);
    server.child.kill('SIGTERM');
    expect(await exitOf(server)).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('a port in use: exits non-zero saying so, releases the lock; the next start on that data dir works', async () => {
    const dataDir = await freshDataDir();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const server = startServer(dataDir, { PORT: String(port) });
      const result = await exitOf(server);
      expect(result.code, server.output()).not.toBe(0);
      expect(result.signal).toBeNull();
      expect(server.output()).toContain(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
      expect(existsSync(path.join(dataDir, 'pgdata.lock'))).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    const next = startServer(dataDir);
    await listening(next);
    next.child.kill('SIGTERM');
    expect(await exitOf(next)).toEqual({ code: 0, signal: null });
  }, 120_000);
});

const available = (cmd: string) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
const npmAvailable = available('npm');
const pnpmAvailable = available('pnpm');

describe('signals reach the server through its wrappers', () => {
  /** The server's pid, from the lock file it holds (a wrapper's child has no pid of its own here). */
  async function serverPid(dataDir: string): Promise<number> {
    return (JSON.parse(await readFile(path.join(dataDir, 'pgdata.lock'), 'utf8')) as { pid: number }).pid;
  }

  async function killWrapperWithTerm(proc: Proc, dataDir: string) {
    await listening(proc);
    const pid = await serverPid(dataDir);
    expect(alive(pid)).toBe(true);
    proc.child.kill('SIGTERM');
    const result = await exitOf(proc);
    expect(alive(pid), `server pid ${pid} outlived its wrapper (orphan)`).toBe(false);
    expect(existsSync(path.join(dataDir, 'pgdata.lock')), 'the server did not close cleanly').toBe(false);
    return result;
  }

  it.skipIf(!npmAvailable)(
    'kill -TERM on `npm run cardbridge -- serve` stops the server: no orphan',
    async () => {
      const dataDir = await freshDataDir();
      const npm = launch('npm', ['run', '--silent', 'cardbridge', '--', 'serve'], childEnv(dataDir));
      const result = await killWrapperWithTerm(npm, dataDir);
      expect(result.code, npm.output()).toBe(0);
    },
    120_000,
  );

  it.skipIf(!pnpmAvailable)(
    'kill -TERM on `pnpm serve` stops the server: no orphan',
    async () => {
      const dataDir = await freshDataDir();
      const pnpm = launch('pnpm', ['--silent', 'serve'], childEnv(dataDir));
      const result = await killWrapperWithTerm(pnpm, dataDir);
      expect(result.code, pnpm.output()).toBe(0);
    },
    120_000,
  );

  it('kill -TERM on `node scripts/run.mjs cardbridge serve` stops the server with exit 0', async () => {
    const dataDir = await freshDataDir();
    const wrapper = launch(
      process.execPath,
      [path.join(root, 'scripts', 'run.mjs'), 'cardbridge', 'serve'],
      childEnv(dataDir),
    );
    expect(await killWrapperWithTerm(wrapper, dataDir)).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('kill -TERM on the root `cardbridge serve` script stops the server with exit 0', async () => {
    const dataDir = await freshDataDir();
    const wrapper = launch('sh', [path.join(root, 'cardbridge'), 'serve'], childEnv(dataDir));
    expect(await killWrapperWithTerm(wrapper, dataDir)).toEqual({ code: 0, signal: null });
  }, 120_000);
});
