/**
 * What a run loads (issue 8, "a fast CLI"): the command's own module and nothing else; `--help`
 * no command module at all; core's zod schemas from an entry without the Stripe SDK or gateway
 * code; and the build that `./cardbridge` runs keeps it that way. Not timed: the benchmark
 * (`pnpm bench:cli`) measures, this checks the structure that makes it fast.
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandCatalogue } from '../src/commands/catalogue.js';
import { buildProgram, commandOf } from '../src/main.js';

const cliDir = fileURLToPath(new URL('../', import.meta.url));
const coreDir = fileURLToPath(new URL('../../../packages/core/', import.meta.url));

const silent = { io: { out: () => {}, err: () => {} } };

async function helpOf(program: Awaited<ReturnType<typeof buildProgram>>): Promise<string> {
  return program.helpInformation();
}

describe('lazy command modules', () => {
  it('finds the command a command line runs, past global flags and `help`', () => {
    const name = (argv: string[]) => commandOf(argv)?.name;
    expect(name(['cards', 'list', '--customer', '1'])).toBe('cards');
    expect(name(['payment-methods', 'get', '1'])).toBe('cards');
    expect(name(['--url', 'http://x', '--api-key', 'customers', 'keys', 'list'])).toBe('keys');
    expect(name(['--json', '--data-dir', 'cards', 'tenants', 'create'])).toBe('tenants');
    expect(name(['--url=http://x', 'gateways', 'list'])).toBe('gateways');
    expect(name(['help', 'serve'])).toBe('serve');
    expect(name(['--help'])).toBeUndefined();
    expect(name(['--version'])).toBeUndefined();
    expect(name(['nope', 'cards'])).toBeUndefined();
  });

  it('the top-level help is the same whether the command modules are loaded or not', async () => {
    const loaded = await buildProgram(silent, 'all');
    const listed = await buildProgram(silent, []);
    expect(await helpOf(listed)).toBe(await helpOf(loaded));
    expect(listed.commands.map((c) => c.name())).toEqual(commandCatalogue.map((e) => e.name));
  });

  it('each module registers the command its catalogue entry names, with its description', async () => {
    const loaded = await buildProgram(silent, 'all');
    for (const entry of commandCatalogue) {
      const cmd = loaded.commands.find((c) => c.name() === entry.name);
      expect(cmd?.description(), entry.name).toBe(entry.description);
      expect(cmd?.aliases(), entry.name).toEqual(entry.alias ? [entry.alias] : []);
    }
  });
});

describe('core schemas entry', () => {
  it('@cardbridge/core/schemas imports neither the Stripe SDK nor gateway, vault or DTO code', async () => {
    const pkg = JSON.parse(await readFile(path.join(coreDir, 'package.json'), 'utf8')) as {
      exports: Record<string, string>;
    };
    expect(pkg.exports['./schemas']).toBe('./src/schemas.ts');
    // Follow the relative imports from src/schemas.ts: the whole graph, by reading the files.
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = async (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm)) {
        const spec = m[1] as string;
        if (spec.startsWith('.')) await visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
        else packages.add(spec);
      }
    };
    await visit(path.join(coreDir, 'src', 'schemas.ts'));
    const files = [...seen].map((f) => path.relative(path.join(coreDir, 'src'), f));
    expect(files.filter((f) => /gateway[\\/]|vault[\\/]|dto\.ts$/.test(f))).toEqual([]);
    expect([...packages].sort()).toEqual(['credit-card-type', 'node:crypto', 'zod']);
  });
});

describe('the build (what ./cardbridge runs)', () => {
  it('bundles no Stripe SDK, gateway code, API or emulator; --help and cards load no schema or client', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { build } = await import(${JSON.stringify(path.join(cliDir, 'build.mjs'))});
         const meta = await build({ quiet: true });
         process.stdout.write(JSON.stringify(meta));`,
      ],
      { cwd: cliDir, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const meta = JSON.parse(r.stdout) as {
      inputs: Record<string, unknown>;
      outputs: Record<
        string,
        { entryPoint?: string; imports: { path: string; kind: string }[]; inputs: Record<string, unknown> }
      >;
    };
    const inputs = Object.keys(meta.inputs);
    expect(
      inputs.filter((f) =>
        /node_modules[\\/](\.pnpm[\\/])?stripe|[\\/]core[\\/]src[\\/](gateway|vault)[\\/]/.test(f),
      ),
    ).toEqual([]);
    expect(inputs.filter((f) => /apps[\\/]api|stripe-emulator[\\/]src/.test(f))).toEqual([]);

    // What main.js loads before any command runs: its static imports, transitively.
    const staticClosure = (start: string) => {
      const seen = new Set<string>();
      const walk = (out: string) => {
        if (seen.has(out)) return;
        seen.add(out);
        for (const i of meta.outputs[out]?.imports ?? [])
          if (i.kind === 'import-statement' && meta.outputs[i.path]) walk(i.path);
      };
      walk(start);
      return [...seen].flatMap((o) => Object.keys(meta.outputs[o]?.inputs ?? {}));
    };
    const main = Object.keys(meta.outputs).find(
      (o) => meta.outputs[o]?.entryPoint === 'src/main.ts',
    ) as string;
    const atStart = staticClosure(main);
    expect(
      atStart.filter((f) =>
        /node_modules.*[\\/](zod|@trpc|cli-table3)[\\/]|packages[\\/]core|src[\\/]commands[\\/](?!catalogue)/.test(
          f,
        ),
      ),
    ).toEqual([]);

    // `cards`: its module, zod and core's schemas, but not the tRPC client until it calls the API.
    const cards = Object.keys(meta.outputs).find((o) => /[\\/]cards-[A-Z0-9]+\.js$/.test(o)) as string;
    const forCards = staticClosure(cards);
    expect(forCards.some((f) => f.endsWith('src/commands/cards.ts'))).toBe(true);
    expect(
      forCards.filter((f) =>
        /@trpc|src[\\/]client\.ts|stripe-emulator|src[\\/]commands[\\/](keys|tenants|gateways)\.ts/.test(f),
      ),
    ).toEqual([]);
  });
});
