/*
 * An internal app outside the workspace installs the packed @cardbridge/client and compiles
 * under strict settings (exactOptionalPropertyTypes, skipLibCheck off) with bundler and node16
 * resolution. Its node_modules holds the tarball and tRPC only: a declaration that reached for
 * the server, its database or an SDK would not compile.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forbiddenInDeclarations } from '../scripts/build.mjs';
import { compile, createConsumer, packClient, variants } from '../scripts/consumer.mjs';

const work = mkdtempSync(path.join(tmpdir(), 'cardbridge-client-pack-'));
const made: string[] = [work];
let tarball = '';
let good = '';
let wrong = '';

beforeAll(() => {
  tarball = packClient(work);
  good = createConsumer(tarball, ['app.ts']);
  wrong = createConsumer(tarball, ['wrong-input.ts']);
  made.push(good, wrong);
});

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships dist/ and package.json only, and no server dependency', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'package/dist/index.d.ts',
        'package/dist/index.js',
        'package/dist/router.d.ts',
      ]),
    );
    expect(files.filter((f) => !f.startsWith('package/dist/') && f !== 'package/package.json')).toEqual([]);
    const manifest = JSON.parse(
      readFileSync(path.join(good, 'node_modules/@cardbridge/client/package.json'), 'utf8'),
    );
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@trpc/client', '@trpc/server']);
    expect(manifest.peerDependencies ?? {}).toEqual({});
  });

  it("declares the router's types with no trace of the server, its database or its SDKs", () => {
    const dist = path.join(good, 'node_modules/@cardbridge/client/dist');
    const declarations = ['index.d.ts', 'router.d.ts'].map((f) => readFileSync(path.join(dist, f), 'utf8'));
    const text = declarations.join('\n');
    for (const word of ['drizzle', 'pino', 'node:http', 'PGlite', '@cardbridge/db', '@cardbridge/core']) {
      expect(text).not.toContain(word);
    }
    // The Stripe SDK's types (`Stripe.Customer`, `import … from 'stripe'`) stay out; the API's own
    // words for Stripe (`importStripeCard`, the `"stripe"` gateway kind) are its vocabulary.
    expect(text).not.toMatch(/\bStripe\./);
    for (const word of forbiddenInDeclarations) expect(text).not.toContain(word);
    // The context is erased: none of the server's dependency types.
    expect(text).not.toMatch(/\b(AppDeps|Context|Db|Vault|MasterKey|GatewayRegistry|RateLimits|Logger)\b/);
    expect(text).toMatch(/ctx: object;\s+meta: object;/);
    const modules = [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(new Set(modules)).toEqual(new Set(['@trpc/client', '@trpc/server', './router.js']));
  });
});

describe.each(Object.keys(variants))('a consumer compiled with moduleResolution %s', (variant) => {
  it('type-checks a client that calls a query and a mutation', () => {
    const result = compile(good, variant);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('refuses a wrong input type, naming the field', () => {
    const result = compile(wrong, variant);
    expect(result.status).not.toBe(0);
    const source = readFileSync(path.join(wrong, 'src/wrong-input.ts'), 'utf8').split('\n');
    const errors = [...result.output.matchAll(/^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/gm)];
    expect(errors.map((e) => e[1])).toEqual([
      'src/wrong-input.ts',
      'src/wrong-input.ts',
      'src/wrong-input.ts',
    ]);
    for (const [, , line, column, code] of errors) {
      const at = source[Number(line) - 1]!.slice(Number(column) - 1);
      // An object literal's error points at the field; a variable's names it in the message.
      if (code === 'TS2322') expect(at).toMatch(/^customerId: 'x'/);
      else expect(result.output).toMatch(/Types of property 'customerId' are incompatible/);
    }
  });
});
