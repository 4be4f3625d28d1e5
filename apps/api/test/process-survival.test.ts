/**
 * No single request can end the server process: the real server (`node --import tsx
 * apps/api/src/main.ts`, a child process with its own PGlite data dir) is sent to a gateway
 * that answers garbage, then must still answer /healthz. And the process-level handlers it
 * installs log an escaped error (scrubbed) and keep the process running.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshCardNumber } from '@cardbridge/api/test/card-data.js';
import { startGarbageGateway } from '@cardbridge/api/test/garbage-gateway.js';
import { MasterKey } from '@cardbridge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const srcDir = path.join(root, 'apps', 'api', 'src');

/** The environment without anything that would point the child elsewhere. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('CARDBRIDGE_') || ['DATABASE_URL', 'HOST', 'PORT'].includes(name)) delete env[name];
  }
  return { ...env, ...extra };
}

type TrpcBody = { result: { data: { id: number } }; error: { data: { domainCode: string } } };

describe('the server process survives any gateway answer', () => {
  let dataDir: string;
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let url: string;
  let key: string;
  let gateway: Awaited<ReturnType<typeof startGarbageGateway>>;
  let output = '';

  beforeAll(async () => {
    gateway = await startGarbageGateway();
    dataDir = await mkdtemp(path.join(tmpdir(), 'cardbridge-survival-'));
    child = spawn(process.execPath, ['--import', 'tsx', path.join(srcDir, 'main.ts')], {
      cwd: root,
      env: childEnv({
        NODE_ENV: 'test',
        PORT: '0',
        CARDBRIDGE_DATA_DIR: dataDir,
        CARDBRIDGE_MASTER_KEY: MasterKey.generateBase64(),
        CARDBRIDGE_GATEWAY_DEADLINE_MS: '5000',
        LOG_LEVEL: 'warn',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stderr!.on('data', (d) => {
      output += String(d);
    });
    const started = await new Promise<{ url: string; keyFile: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
      child.stdout!.on('data', (d) => {
        output += String(d);
        const listening = /listening on (http:\/\/\S+)/.exec(output);
        const keyFile = /admin key: (\S+)/.exec(output);
        if (listening?.[1] && keyFile?.[1]) {
          clearTimeout(timer);
          resolve({ url: listening[1], keyFile: keyFile[1] });
        }
      });
      void exited.then((code) => reject(new Error(`server exited (${code}):\n${output}`)));
    });
    url = started.url;
    key = (await readFile(started.keyFile, 'utf8')).trim();
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await gateway.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function mutate(procedure: string, input: unknown) {
    const res = await fetch(`${url}/trpc/${procedure}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    return { status: res.status, body: (await res.json()) as TrpcBody };
  }

  it('answers a malformed gateway answer with 503 and keeps serving', async () => {
    const customer = await mutate('customers.create', {});
    const account = await mutate('gatewayAccounts.create', {
      type: 'stripe',
      secretKey: 'sk_test_survival01',
      apiBase: gateway.url,
    });
    expect(account.status).toBe(200);
    for (const mode of ['a JSON string', 'a JSON number', 'a card with a numeric id'] as const) {
      gateway.setMode(mode);
      const imported = await mutate('paymentMethods.importStripeCard', {
        customerId: customer.body.result.data.id,
        stripeCustomerId: 'cus_Survival',
        stripeCardId: 'card_Survival',
        gatewayAccountId: account.body.result.data.id,
      });
      expect(imported.status).toBe(503);
      expect(imported.body.error.data.domainCode).toBe('GATEWAY_UNAVAILABLE');
    }
    // Let anything the SDK left behind settle, then: still up.
    await new Promise((resolve) => setImmediate(resolve));
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(child.exitCode).toBeNull();
  });
});

describe('process-level handlers', () => {
  it('log an uncaught exception and an unhandled rejection, scrubbed, and keep the process running', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cardbridge-guards-'));
    const pan = freshCardNumber();
    const script = path.join(dir, 'escape.ts');
    const importOf = (file: string) => JSON.stringify(pathToFileURL(path.join(srcDir, file)).href);
    await writeFile(
      script,
      [
        `import { createLogger } from ${importOf('../../../packages/api/src/logger.ts')};`,
        `import { installProcessGuards } from ${importOf('process-guards.ts')};`,
        `installProcessGuards(createLogger({ level: 'info' }));`,
        `setTimeout(() => { throw new Error('thrown with ${pan}'); }, 0);`,
        `void Promise.reject(new Error('rejected with ${pan}'));`,
        `setTimeout(() => process.stdout.write('still serving\\n'), 50);`,
      ].join('\n'),
    );
    try {
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', script], { cwd: root }, (err, stdout, stderr) => {
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('uncaught exception; still serving');
      expect(result.stdout).toContain('unhandled promise rejection; still serving');
      expect(result.stdout).toContain('still serving\n');
      expect(result.stdout).not.toContain(pan);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
