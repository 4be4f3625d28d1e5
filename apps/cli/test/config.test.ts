import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bootstrapKeyFileName, defaultDataDir } from '../src/config.js';

describe('config agrees with the API without importing its runtime', () => {
  it('same default data dir and bootstrap key file name as apps/api', async () => {
    const api = await import('@cardbridge/server');
    expect(defaultDataDir).toBe(api.defaultDataDir);
    expect(bootstrapKeyFileName).toBe(api.bootstrapKeyFileName);
  });

  it('only serve, worker and migrate load the server at run time (lazily); the rest import the API type only', async () => {
    const src = fileURLToPath(new URL('../src/', import.meta.url));
    const files = (await readdir(src, { recursive: true })).filter((f) => f.endsWith('.ts'));
    const lazy: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(src, file), 'utf8');
      for (const line of text.split('\n').filter((l) => /'@cardbridge\/(api|server)'/.test(l))) {
        if (/^import type .*'@cardbridge\/api'/.test(line)) continue;
        expect(line, file).toMatch(/await import\('@cardbridge\/server'\)/);
        lazy.push(file);
      }
    }
    expect(lazy.sort()).toEqual([
      path.join('commands', 'migrate.ts'),
      path.join('commands', 'serve.ts'),
      path.join('commands', 'worker.ts'),
    ]);
  });

  it('only stripe-emulator loads @cardbridge/stripe-emulator, lazily', async () => {
    const src = fileURLToPath(new URL('../src/', import.meta.url));
    const files = (await readdir(src, { recursive: true })).filter((f) => f.endsWith('.ts'));
    const users: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(src, file), 'utf8');
      for (const line of text.split('\n').filter((l) => l.includes("'@cardbridge/stripe-emulator'"))) {
        expect(line, file).toMatch(/await import\('@cardbridge\/stripe-emulator'\)/);
        users.push(file);
      }
    }
    expect(users).toEqual([path.join('commands', 'stripe-emulator.ts')]);
  });
});
