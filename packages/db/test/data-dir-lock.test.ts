/**
 * The data-dir lock in-process: refused while held (the message names the holder), released on
 * close, a stale lock (dead pid, or an earlier process with our pid, or unreadable and old)
 * taken over with a warning, another host's lock never taken over. The cross-process cases
 * (a second server, `migrate`) are in apps/api/test/lifecycle.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError, lockFileFor, openDatabase } from '../src/index.js';

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

describe('data-dir lock', () => {
  let parent: string;
  let dataDir: string;
  let lockFile: string;

  beforeEach(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'cardbridge-lock-'));
    dataDir = path.join(parent, 'pgdata');
    lockFile = lockFileFor(dataDir);
  });
  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('lives next to the data directory, holds pid, host and start time, and refuses a second taker', async () => {
    expect(lockFile).toBe(path.join(parent, 'pgdata.lock'));
    const lock = await acquireDataDirLock(dataDir);
    const holder = JSON.parse(await readFile(lockFile, 'utf8')) as Record<string, unknown>;
    expect(holder).toEqual({ pid: process.pid, hostname: hostname(), startedAt: expect.any(String) });

    const second = await acquireDataDirLock(dataDir).catch((err: unknown) => err);
    expect(second).toBeInstanceOf(DataDirLockedError);
    expect((second as Error).message).toContain(`pid ${process.pid} on ${hostname()}`);
    expect((second as Error).message).toContain(lockFile);

    await lock.release();
    await lock.release();
    expect(existsSync(lockFile)).toBe(false);
    await (await acquireDataDirLock(dataDir)).release();
  });

  it('takes over a lock whose pid is no longer running, with a warning', async () => {
    const pid = await deadPid();
    await writeFile(lockFile, JSON.stringify({ pid, hostname: hostname(), startedAt: 'then' }));
    const warnings: string[] = [];
    const lock = await acquireDataDirLock(dataDir, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringContaining(`pid ${pid}`)]);
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it("takes over a lock with this process's pid that this process did not take (a restarted container's pid 1)", async () => {
    await writeFile(lockFile, JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: 'then' }));
    const warnings: string[] = [];
    const lock = await acquireDataDirLock(dataDir, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    await lock.release();
  });

  it('takes over an unreadable lock once it is old, not while it may still be being written', async () => {
    await writeFile(lockFile, '');
    await expect(acquireDataDirLock(dataDir)).rejects.toThrow(/creating it right now/);
    const old = new Date(Date.now() - 60_000);
    await utimes(lockFile, old, old);
    const warnings: string[] = [];
    const lock = await acquireDataDirLock(dataDir, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringContaining('unreadable')]);
    await lock.release();
  });

  it("never takes over another host's lock", async () => {
    await writeFile(lockFile, JSON.stringify({ pid: 1, hostname: `not-${hostname()}`, startedAt: 'then' }));
    await expect(acquireDataDirLock(dataDir)).rejects.toThrow(/another host's process/);
    expect(existsSync(lockFile)).toBe(true);
  });

  it('does not remove a lock that is no longer its own', async () => {
    const lock = await acquireDataDirLock(dataDir);
    await writeFile(lockFile, JSON.stringify({ pid: 1, hostname: 'elsewhere', startedAt: 'now' }));
    await lock.release();
    expect(existsSync(lockFile)).toBe(true);
  });

  it('is taken by openDatabase on a PGlite data directory and released by close()', async () => {
    const handle = await openDatabase({ kind: 'pglite', dataDir });
    expect(existsSync(lockFile)).toBe(true);
    await expect(openDatabase({ kind: 'pglite', dataDir })).rejects.toBeInstanceOf(DataDirLockedError);
    await handle.close();
    expect(existsSync(lockFile)).toBe(false);
  });
});
