/**
 * What the end-to-end suites share: the compiled CLI built once, run as child processes with an
 * environment that points nowhere else, and the real server (`cardbridge serve`) as a child
 * process on a data dir of its own.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
/** The repo-root script, exactly as a user runs it. */
export const cardbridgeScript = path.join(root, 'cardbridge');
/**
 * The compiled CLI as one process (`node apps/cli/dist/main.js`): SIGTERM reaches the server
 * itself, and a SIGKILL clean-up cannot orphan a grandchild the way a wrapper process would.
 */
export const compiledMain = [path.join(root, 'apps', 'cli', 'dist', 'main.js')];

/** The environment without anything that would point the children elsewhere. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (
      name.startsWith('CARDBRIDGE_') ||
      ['DATABASE_URL', 'HOST', 'PORT', 'STRIPE_SECRET_KEY'].includes(name)
    ) {
      delete env[name];
    }
  }
  return { ...env, ...extra };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * One CLI run: `node apps/cli/dist/main.js …` by default, or `via: 'script'` for the repo-root
 * `./cardbridge` script exactly as a user runs it (a shell, then the launcher in the same node
 * process). `stdin` is piped in (and closed): how `cards create` gets a card number.
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
  opts: { via?: 'node' | 'script'; stdin?: string; cwd?: string } = {},
): Promise<CliResult> {
  const [file, fileArgs] =
    opts.via === 'script' ? [cardbridgeScript, args] : [process.execPath, [...compiledMain, ...args]];
  return new Promise((resolve) => {
    const child = execFile(
      file,
      fileArgs,
      { cwd: opts.cwd ?? root, env: cleanEnv(env), timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(opts.stdin ?? '');
  });
}

/** Once, before any CLI process: the build of the current source (no run rebuilds it). */
export function buildCli(): void {
  const built = spawnSync(process.execPath, [path.join(root, 'apps', 'cli', 'build.mjs'), '--quiet'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`building the CLI failed:\n${built.stdout}${built.stderr}`);
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** The bootstrap key file the server printed the path of. */
  keyFile: string;
  /** Everything it printed on stdout so far. */
  output(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node apps/cli/dist/main.js serve` on a free port; resolves once it listens. Not ./cardbridge: its wrapper would not pass SIGTERM on. */
export async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...compiledMain, 'serve'], {
    cwd: root,
    env: cleanEnv({ PORT: '0', CARDBRIDGE_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    err += String(d);
  });
  const started = await new Promise<{ url: string; keyFile: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += String(d);
      const listening = /listening on (http:\/\/\S+)/.exec(out);
      const key = /admin key: (\S+)/.exec(out);
      if (listening?.[1] && key?.[1]) {
        clearTimeout(timer);
        resolve({ url: listening[1], keyFile: key[1] });
      }
    });
    void exit.then(({ code }) => reject(new Error(`server exited (${code}):\n${out}\n${err}`)));
  });
  return { child, ...started, output: () => out, exit };
}
