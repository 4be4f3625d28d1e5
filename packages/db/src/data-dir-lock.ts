import { mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

/**
 * One process at a time on an embedded PGlite data directory. PGlite has no lock of its own: a
 * second process on the same directory migrates over the first one's files, and a concurrent
 * `migrate` dies with `Aborted()`. So whoever opens `<dir>` first writes `<dir>.lock` (next to
 * it: `<CARDBRIDGE_DATA_DIR>/pgdata.lock`), created exclusively (`wx`), holding its pid, host
 * and start time; everyone else is refused with a message naming that holder. The lock is
 * removed on a clean close (and on `process.exit`); one left by a killed process is stale — its
 * pid is not alive on this host — and the next opener takes it over with a warning.
 */

export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
}

/** The data dir is held by another live process (or one on another host). */
export class DataDirLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder | undefined,
    detail: string,
  ) {
    super(detail);
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly lockFile: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours; safe to call more than once. */
  release(): Promise<void>;
}

/** The lock file for a PGlite data directory: a sibling, so PGlite never sees it. */
export function lockFileFor(dataDir: string): string {
  const resolved = path.resolve(dataDir);
  return path.join(path.dirname(resolved), `${path.basename(resolved)}.lock`);
}

/** Lock files this process holds: its own pid in a lock file is only alive if listed here. */
const heldHere = new Set<string>();

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && Number.isInteger(value.pid) && value.pid > 0) {
      return {
        pid: value.pid,
        hostname: typeof value.hostname === 'string' ? value.hostname : '?',
        startedAt: typeof value.startedAt === 'string' ? value.startedAt : '?',
      };
    }
  } catch {
    // Unparsable: judged by age below.
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

type Verdict = { stale: true; why: string } | { stale: false; why: string };

function judge(lockFile: string, holder: LockHolder | undefined, ageMs: number): Verdict {
  if (!holder) {
    // A lock file is written in one call right after it is created: an empty or garbled one
    // that is more than a few seconds old belongs to a process that died in between.
    return ageMs > 5_000
      ? { stale: true, why: 'it is unreadable' }
      : { stale: false, why: 'another process is creating it right now' };
  }
  const who = `pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt}`;
  if (holder.hostname !== hostname()) {
    return {
      stale: false,
      why: `held by ${who}; another host's process cannot be checked from here — if it is gone, delete ${lockFile}`,
    };
  }
  if (holder.pid === process.pid) {
    // Our own pid: held if this process took it, else left by an earlier process that had the
    // same pid (a container's pid 1 after a restart).
    return heldHere.has(lockFile)
      ? { stale: false, why: `held by this process (${who})` }
      : { stale: true, why: `${who} is an earlier process with this process's pid` };
  }
  return pidAlive(holder.pid)
    ? { stale: false, why: `held by ${who}` }
    : { stale: true, why: `${who} is no longer running` };
}

/**
 * Takes the lock of `dataDir` or throws {@link DataDirLockedError} naming the holder. A stale
 * lock is taken over, reported through `onWarning`.
 */
export async function acquireDataDirLock(
  dataDir: string,
  opts: { onWarning?: (message: string) => void } = {},
): Promise<DataDirLock> {
  const lockFile = lockFileFor(dataDir);
  const warn = opts.onWarning ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
  mkdirSync(path.dirname(lockFile), { recursive: true, mode: 0o700 });
  const holder: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  const content = `${JSON.stringify(holder)}\n`;

  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lockFile, content, { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let text: string;
    let ageMs: number;
    try {
      text = await readFile(lockFile, 'utf8');
      ageMs = Date.now() - (await stat(lockFile)).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      throw err;
    }
    const other = parseHolder(text);
    const verdict = judge(lockFile, other, ageMs);
    if (!verdict.stale || attempt >= 3) {
      throw new DataDirLockedError(
        lockFile,
        other,
        `the data directory ${path.resolve(dataDir)} is in use: its lock file ${lockFile} is ${verdict.why}. ` +
          'Only one cardbridge process (server or migrate) may open an embedded database at a time; ' +
          'stop that one first.',
      );
    }
    // Take a stale lock over: move it aside, and only drop it if it is still the one judged
    // stale (another process taking it over at the same moment may have replaced it).
    const aside = `${lockFile}.stale-${process.pid}-${attempt}`;
    try {
      await rename(lockFile, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if ((await readFile(aside, 'utf8')) === text) {
      await unlink(aside);
      warn(`took over the stale lock ${lockFile}: ${verdict.why}`);
    } else {
      await rename(aside, lockFile);
    }
  }

  heldHere.add(lockFile);
  const ours = () => {
    try {
      return readFileSync(lockFile, 'utf8') === content;
    } catch {
      return false;
    }
  };
  // process.exit() skips every close(): remove the lock on the way out anyway.
  const onExit = () => {
    if (ours()) unlinkSync(lockFile);
  };
  process.once('exit', onExit);
  let released = false;
  return {
    lockFile,
    holder,
    release: async () => {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      heldHere.delete(lockFile);
      if (ours()) await unlink(lockFile);
    },
  };
}
