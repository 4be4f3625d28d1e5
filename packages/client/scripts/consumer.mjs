/*
 * An app outside the workspace that installs @cardbridge/client from its packed tarball: for
 * test/consumer.test.ts and bench/consumer-compile.mjs. No network: the tarball is unpacked
 * into node_modules/@cardbridge/client, and its dependencies (and the app's own: typescript,
 * @types/node) are links to the workspace's copies. Nothing else is there: a declaration that
 * needed the server, its database or its SDKs would not compile.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(pkgDir, 'test', 'consumer');
const require = createRequire(path.join(pkgDir, 'package.json'));

/** The strict settings every variant shares. */
const strict = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: false,
  noEmit: true,
  target: 'ES2022',
  isolatedModules: true,
};

/*
 * The resolution modes the consumer is compiled under. tRPC's own declarations, checked with
 * skipLibCheck off, need the fetch types of the DOM lib (`RequestInfo`, which @types/node lacks)
 * and `Disposable` (esnext.disposable, or @types/node): what any tRPC client app has.
 */
export const variants = {
  bundler: {
    ...strict,
    module: 'esnext',
    moduleResolution: 'bundler',
    lib: ['ES2022', 'DOM', 'ESNext.Disposable'],
    types: [],
  },
  node16: {
    ...strict,
    module: 'node16',
    moduleResolution: 'node16',
    lib: ['ES2022', 'DOM'],
    types: ['node'],
  },
  // The resolution older apps still use: it reads the top-level `types` field.
  node10: {
    ...strict,
    module: 'commonjs',
    moduleResolution: 'node10',
    lib: ['ES2022', 'DOM', 'ESNext.Disposable'],
    types: [],
  },
};

function packageDir(name) {
  return realpathSync(path.dirname(require.resolve(`${name}/package.json`)));
}

/** `pnpm pack` (npm's when pnpm is not on the PATH), which builds dist/ in `prepack`. */
export function packClient(destination) {
  mkdirSync(destination, { recursive: true });
  const hasPnpm = spawnSync('pnpm', ['--version'], { encoding: 'utf8' }).status === 0;
  const [cmd, args] = hasPnpm
    ? ['pnpm', ['pack', '--pack-destination', destination]]
    : ['npm', ['pack', '--pack-destination', destination]];
  execFileSync(cmd, args, { cwd: pkgDir, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const tarball = readdirSync(destination).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`${cmd} pack left no tarball in ${destination}`);
  return path.join(destination, tarball);
}

/**
 * A consumer app in a new temp dir: package.json, the sources named (files of test/consumer/),
 * a tsconfig.<variant>.json per variant, node_modules with the unpacked tarball.
 */
export function createConsumer(tarball, sources) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cardbridge-consumer-'));
  const modules = path.join(dir, 'node_modules');
  mkdirSync(path.join(modules, '@cardbridge'), { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', path.join(modules, '@cardbridge')]);
  renameSync(path.join(modules, '@cardbridge', 'package'), path.join(modules, '@cardbridge', 'client'));
  for (const name of ['@trpc/client', '@trpc/server', 'typescript', '@types/node']) {
    const link = path.join(modules, name);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(packageDir(name), link, 'dir');
  }
  writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: 'cardbridge-consumer',
        private: true,
        type: 'module',
        dependencies: { '@cardbridge/client': `file:${tarball}` },
        devDependencies: { typescript: '~5.9.3', '@types/node': '^20.19.0' },
      },
      null,
      2,
    )}\n`,
  );
  mkdirSync(path.join(dir, 'src'));
  for (const source of sources) cpSync(path.join(fixtures, source), path.join(dir, 'src', source));
  for (const [name, compilerOptions] of Object.entries(variants)) {
    writeFileSync(
      path.join(dir, `tsconfig.${name}.json`),
      `${JSON.stringify({ compilerOptions, include: ['src'] }, null, 2)}\n`,
    );
  }
  return dir;
}

/** Preloaded into tsc: prints the process's CPU time at exit (a busy machine inflates wall time). */
const cpuReporter = `process.on('exit', () => {
  const u = process.cpuUsage();
  process.stderr.write('\\n@@cpu-ms ' + (u.user + u.system) / 1000 + '\\n');
});
`;

/**
 * `tsc --noEmit -p tsconfig.<variant>.json` in the consumer: its exit status, output (without the
 * CPU line), wall time and CPU time in ms.
 */
export function compile(dir, variant) {
  const tsc = path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
  const reporter = path.join(dir, 'cpu-reporter.cjs');
  writeFileSync(reporter, cpuReporter);
  const started = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--require', reporter, tsc, '--noEmit', '--pretty', 'false', '-p', `tsconfig.${variant}.json`],
    { cwd: dir, encoding: 'utf8' },
  );
  const ms = performance.now() - started;
  const cpu = /\n@@cpu-ms ([\d.]+)\n/.exec(r.stderr);
  const stderr = r.stderr.replace(/\n@@cpu-ms [\d.]+\n/, '');
  return { status: r.status, output: `${r.stdout}${stderr}`, ms, cpuMs: cpu ? Number(cpu[1]) : Number.NaN };
}
