import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `cardbridge worker` processes for a benchmark, on the benchmark's PostgreSQL database. */

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const workerTs = path.join(root, 'apps', 'api', 'src', 'worker.ts');

/**
 * The PostgreSQL server the benchmark's database is made on (DATABASE_URL or TEST_DATABASE_URL),
 * as the test helpers read it; exits with a word when there is none: the workers share it.
 */
export function useServerDatabase(): void {
  const serverUrl = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    console.error('Set DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL server: the workers share it.');
    process.exit(2);
  }
  process.env.TEST_DATABASE_URL = serverUrl;
}

export async function startWorkers(opts: { databaseUrl: string; masterKey: string; count: number }) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-bench-'));
  const workers: ChildProcess[] = [];
  const start = () =>
    new Promise<void>((resolve, reject) => {
      // BENCH_CPU_PROF=dir: a .cpuprofile of each worker, written when it stops.
      const profile = process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : [];
      const child = spawn(process.execPath, [...profile, '--import', 'tsx', workerTs], {
        cwd: root,
        env: {
          ...process.env,
          NODE_ENV: 'test',
          LOG_LEVEL: 'silent',
          DATABASE_URL: opts.databaseUrl,
          CARDBRIDGE_DATA_DIR: dataDir,
          CARDBRIDGE_MASTER_KEY: opts.masterKey,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      workers.push(child);
      let out = '';
      child.stdout!.on('data', (d) => {
        out += String(d);
        if (out.includes('working on migration jobs')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`worker exited (${code})`)));
    });
  await Promise.all(Array.from({ length: opts.count }, start));
  return {
    async stop() {
      for (const w of workers) w.kill('SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls a job until it is no longer queued or running. */
export async function settledJob<T extends { status: string }>(get: () => Promise<T>): Promise<T> {
  let job = await get();
  while (job.status === 'queued' || job.status === 'running') {
    await new Promise((r) => setTimeout(r, 100));
    job = await get();
  }
  return job;
}
