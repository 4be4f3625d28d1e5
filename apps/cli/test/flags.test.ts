import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientOptions } from '../src/client.js';
import { exitCodes } from '../src/errors.js';
import { fakeProcedure, runCli } from './helpers.js';

const apiKey = {
  id: 7,
  keyId: 'cbk_0123456789ab',
  name: 'ci',
  scopes: ['read', 'write'],
  createdDate: '2025-01-02T03:04:05.678Z',
  revokedDate: null,
  lastUsedDate: null,
};
const secret = 'cbk_0123456789ab_SECRETSECRETSECRETSECRETSECRETSECRETSECRETS';
const customer = {
  id: 5,
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@example.com',
  companyName: null,
  reference: null,
  createdDate: '2025-01-02T03:04:05.678Z',
  modifiedDate: '2025-01-02T03:04:05.678Z',
};
const card = {
  id: 11,
  customerId: 5,
  maskedCardNumber: '************4242',
  cardType: 'Visa',
  expirationMonth: 4,
  expirationYear: 29,
  firstName: 'Ada',
  lastName: 'Lovelace',
  address1: '',
  address2: '',
  countryId: null,
  country: '',
  stateId: null,
  state: '',
  city: '',
  postalZip: '',
  isDefault: true,
  externalCustomerId: 'cus_1',
  externalCardId: 'card_1',
  storedInVault: false,
  email: null,
  modifiedDate: '2025-01-02T03:04:05.678Z',
  originalPaymentMethodId: null,
  uri: null,
  gatewayAccountId: 1,
  status: 'active',
  fingerprint: null,
  createdDate: '2025-01-02T03:04:05.678Z',
};

beforeEach(() => {
  for (const name of ['CARDBRIDGE_URL', 'CARDBRIDGE_API_KEY', 'CARDBRIDGE_DATA_DIR'])
    vi.stubEnv(name, undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const withKey = ['--api-key', 'cbk_test'];

describe('flag parsing (validated with the core zod schemas before any request)', () => {
  it('--scopes read,write becomes an array', async () => {
    const create = fakeProcedure({ apiKey, secret });
    const r = await runCli([...withKey, 'keys', 'create', '--name', 'ci', '--scopes', 'read, write,read'], {
      client: { apiKeys: { create } },
    });
    expect(r.code).toBe(exitCodes.ok);
    // The schema's own transform (dedupe) applied: the same value the API would see.
    expect(create.calls).toEqual([{ name: 'ci', scopes: ['read', 'write'] }]);
    expect(r.stdout).toContain(secret);
    expect(r.stdout).toMatch(/shown only once/);
  });

  it('keys create prints one cbk_ string: the secret, labelled; the key by its numeric id', async () => {
    const create = fakeProcedure({ apiKey, secret });
    const r = await runCli([...withKey, 'keys', 'create', '--name', 'ci', '--scopes', 'read'], {
      client: { apiKeys: { create } },
    });
    expect(r.code).toBe(exitCodes.ok);
    expect(r.stdout.match(/cbk_/g)).toEqual(['cbk_']);
    expect(r.stdout).toContain(`API key secret (key id 7; use it as CARDBRIDGE_API_KEY):\n\n  ${secret}\n`);
    expect(r.stdout).toMatch(/│ key id\s+│ 7\s+│/);
  });

  it('tenants create prints one cbk_ string: the admin key secret, labelled', async () => {
    const create = fakeProcedure({
      tenant: { id: 2, name: 'acme', createdDate: '2025-01-02T03:04:05.678Z' },
      adminKey: { apiKey: { ...apiKey, id: 3, scopes: ['read', 'write', 'admin'] }, secret },
    });
    const r = await runCli([...withKey, 'tenants', 'create', '--name', 'acme'], {
      client: { tenants: { create } },
    });
    expect(r.code).toBe(exitCodes.ok);
    expect(create.calls).toEqual([{ name: 'acme' }]);
    expect(r.stdout.match(/cbk_/g)).toEqual(['cbk_']);
    expect(r.stdout).not.toContain(apiKey.keyId.concat(' '));
    expect(r.stdout).toContain(`API key secret (key id 3; use it as CARDBRIDGE_API_KEY):\n\n  ${secret}\n`);
    expect(r.stdout).toMatch(/│ admin key id\s+│ 3\s+│/);
    expect(r.stdout).toContain('shown only once');
  });

  it('tenants create --json is the raw result (the secret in adminKey.secret)', async () => {
    const result = {
      tenant: { id: 2, name: 'acme', createdDate: '2025-01-02T03:04:05.678Z' },
      adminKey: { apiKey, secret },
    };
    const r = await runCli([...withKey, '--json', 'tenants', 'create', '--name', 'acme'], {
      client: { tenants: { create: fakeProcedure(result) } },
    });
    expect(JSON.parse(r.stdout)).toEqual(result);
  });

  it('a bad scope is exit 2 naming --scopes, and nothing is sent', async () => {
    const r = await runCli([...withKey, 'keys', 'create', '--name', 'ci', '--scopes', 'read,root']);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toContain('error: Invalid input.');
    expect(r.stderr).toMatch(/^ {2}scopes\.1 \(--scopes\): /m);
  });

  it('platform is not a scope a tenant key can be given', async () => {
    const r = await runCli([...withKey, 'keys', 'create', '--name', 'x', '--scopes', 'platform']);
    expect(r.code).toBe(exitCodes.usage);
  });

  it('customers create maps the flags to the API fields', async () => {
    const create = fakeProcedure(customer);
    const r = await runCli(
      [
        ...withKey,
        'customers',
        'create',
        '--first-name',
        'Ada',
        '--last-name',
        'Lovelace',
        '--email',
        'ada@example.com',
        '--company',
        'Engines',
        '--reference',
        'r-1',
      ],
      { client: { customers: { create } } },
    );
    expect(r.code).toBe(0);
    expect(create.calls).toEqual([
      {
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: 'ada@example.com',
        companyName: 'Engines',
        reference: 'r-1',
      },
    ]);
    expect(r.stdout).toContain('Created customer 5.');
  });

  it('--email nope is exit 2 naming email', async () => {
    const r = await runCli([...withKey, 'customers', 'create', '--email', 'nope']);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toContain('  email: Invalid email address');
  });

  it('--json puts validation errors on stderr as {"error":{…}}', async () => {
    const r = await runCli([...withKey, 'customers', 'create', '--email', 'nope', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const body = JSON.parse(r.stderr) as { error: { domainCode: string; issues: { path: string }[] } };
    expect(body.error.domainCode).toBe('VALIDATION_FAILED');
    expect(body.error.issues.map((i) => i.path)).toEqual(['email']);
  });

  it('update sends only the flags given; an empty value clears the field', async () => {
    const update = fakeProcedure(customer);
    const r = await runCli([...withKey, 'customers', 'update', '5', '--company', '', '--email', 'a@b.co'], {
      client: { customers: { update } },
    });
    expect(r.code).toBe(0);
    expect(update.calls).toEqual([{ id: 5, companyName: null, email: 'a@b.co' }]);
  });

  it('update with no fields is a usage error', async () => {
    const r = await runCli([...withKey, 'customers', 'update', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nothing to update/);
  });

  it.each([
    [['customers', 'get', 'abc'], 'id (<id>)'],
    [['customers', 'get', '0'], 'id (<id>)'],
    [['customers', 'list', '--limit', '500'], 'limit'],
    [['customers', 'list', '--limit', 'ten'], 'limit'],
    [['customers', 'list', '--starting-after', '-3'], 'startingAfter (--starting-after)'],
    [
      ['customers', 'list', '--starting-after', '3', '--ending-before', '9'],
      'endingBefore (--ending-before)',
    ],
    [['cards', 'list', '--customer', 'x'], 'customerId (--customer)'],
    [['cards', 'get', '1.5'], 'id (<id>)'],
  ])('%j is exit 2 naming %s', async (argv, field) => {
    const r = await runCli([...withKey, ...argv]);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toContain(`  ${field}: `);
  });

  it('pagination flags become numbers; the next-page hint names --starting-after <lastId>', async () => {
    const list = fakeProcedure({ data: [customer, { ...customer, id: 3 }], hasMore: true });
    const r = await runCli([...withKey, 'customers', 'list', '--limit', '2', '--starting-after', '9'], {
      client: { customers: { list } },
    });
    expect(r.code).toBe(0);
    expect(list.calls).toEqual([{ limit: 2, startingAfter: 9 }]);
    expect(r.stdout).toContain('cardbridge customers list --limit 2 --starting-after 3');
  });

  it('paging backwards hints --ending-before <firstId>', async () => {
    const list = fakeProcedure({ data: [{ ...customer, id: 8 }, customer], hasMore: true });
    const r = await runCli([...withKey, 'customers', 'list', '--ending-before', '2'], {
      client: { customers: { list } },
    });
    expect(r.stdout).toContain('--ending-before 8');
  });

  it('cards list shows the useful columns, with the default marked', async () => {
    const list = fakeProcedure({ data: [card], hasMore: false });
    const r = await runCli([...withKey, 'cards', 'list', '--customer', '5'], {
      client: { paymentMethods: { list } },
    });
    expect(r.code).toBe(0);
    expect(list.calls).toEqual([{ customerId: 5, limit: 10 }]);
    for (const text of [
      '************4242',
      'Visa',
      '04/29',
      'Ada Lovelace',
      'active',
      'cus_1',
      'card_1',
      '*',
    ]) {
      expect(r.stdout).toContain(text);
    }
    expect(r.stdout).toContain('1 card\n');
  });

  it('--json prints the raw result', async () => {
    const list = fakeProcedure({ data: [card], hasMore: false });
    const r = await runCli([...withKey, '--json', 'cards', 'list', '--customer', '5'], {
      client: { paymentMethods: { list } },
    });
    expect(JSON.parse(r.stdout)).toEqual({ data: [card], hasMore: false });
  });

  it('keys revoke accepts the public key id and resolves it to the numeric id', async () => {
    const list = fakeProcedure([apiKey]);
    const revoke = fakeProcedure({ ...apiKey, revokedDate: '2025-02-01T00:00:00.000Z' });
    const r = await runCli([...withKey, 'keys', 'revoke', 'cbk_0123456789ab'], {
      client: { apiKeys: { list, revoke } },
    });
    expect(r.code).toBe(0);
    expect(revoke.calls).toEqual([{ id: 7 }]);
  });
});

describe('commander usage errors exit 2 (exitOverride)', () => {
  it.each([
    [['bogus']],
    [['customers', 'list', '--bogus']],
    [['cards', 'list']],
    [['keys', 'create', '--name', 'x']],
    [['customers', 'get']],
    [['customers']],
    [[]],
  ])('%j → 2', async (argv) => {
    const r = await runCli(argv);
    expect(r.code).toBe(exitCodes.usage);
  });

  it('--help and --version exit 0; the help lists the exit codes', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    expect(help.stdout).toMatch(/4 {2}authentication or permission/);
    expect((await runCli(['--version'])).code).toBe(0);
    expect((await runCli(['cards', 'list', '--help'])).code).toBe(0);
  });

  it('--url must be http(s)', async () => {
    const r = await runCli([...withKey, '--url', 'ftp://x', 'customers', 'get', '1']);
    expect(r.code).toBe(2);
  });
});

describe('API key and URL resolution', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cardbridge-cli-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const capture = () => {
    const seen: ClientOptions[] = [];
    const get = fakeProcedure(customer);
    return {
      seen,
      createClient: (opts: ClientOptions) => {
        seen.push(opts);
        return { customers: { get } } as never;
      },
    };
  };

  it('defaults to the bootstrap key file in the data dir, and to the API default URL', async () => {
    await writeFile(path.join(dir, 'bootstrap-admin.key'), 'cbk_fromfile\n');
    const c = capture();
    const r = await runCli(['--data-dir', dir, 'customers', 'get', '5'], { createClient: c.createClient });
    expect(r.code).toBe(0);
    expect(c.seen).toEqual([{ url: 'http://127.0.0.1:8787', apiKey: 'cbk_fromfile' }]);
  });

  it('CARDBRIDGE_API_KEY and CARDBRIDGE_URL win over the file and default; --api-key wins over the env', async () => {
    await writeFile(path.join(dir, 'bootstrap-admin.key'), 'cbk_fromfile\n');
    vi.stubEnv('CARDBRIDGE_DATA_DIR', dir);
    vi.stubEnv('CARDBRIDGE_API_KEY', 'cbk_fromenv');
    vi.stubEnv('CARDBRIDGE_URL', 'http://api.example:9/');
    const c = capture();
    await runCli(['customers', 'get', '5'], { createClient: c.createClient });
    await runCli(['--api-key', 'cbk_flag', 'customers', 'get', '5'], { createClient: c.createClient });
    expect(c.seen).toEqual([
      { url: 'http://api.example:9', apiKey: 'cbk_fromenv' },
      { url: 'http://api.example:9', apiKey: 'cbk_flag' },
    ]);
  });

  it('no key anywhere is exit 4 with where to get one, never a key', async () => {
    const r = await runCli(['--data-dir', dir, 'customers', 'get', '5']);
    expect(r.code).toBe(exitCodes.auth);
    expect(r.stderr).toContain(path.join(dir, 'bootstrap-admin.key'));
    expect(r.stderr).toContain('CARDBRIDGE_API_KEY');
  });

  it.each([
    ['CARDBRIDGE_API_KEY=""', [], ''],
    ['CARDBRIDGE_API_KEY="  "', [], '  '],
    ["--api-key ''", ['--api-key', ''], undefined],
  ])('an empty key (%s) is exit 2, never a fall back to the bootstrap key file', async (_, flags, env) => {
    await writeFile(path.join(dir, 'bootstrap-admin.key'), 'cbk_bootstrap_platform\n');
    if (env !== undefined) vi.stubEnv('CARDBRIDGE_API_KEY', env);
    const c = capture();
    const r = await runCli([...flags, '--data-dir', dir, 'customers', 'get', '5'], {
      createClient: c.createClient,
    });
    expect(r.code).toBe(exitCodes.usage);
    expect(c.seen).toEqual([]);
    expect(r.stderr).toMatch(
      env !== undefined
        ? /^error: CARDBRIDGE_API_KEY is set but empty: set it to an API key \(cbk_…\), or unset it/
        : /^error: --api-key was given an empty value/,
    );
    expect(r.stderr).not.toContain('cbk_bootstrap_platform');
  });

  it('an empty key with --json is a VALIDATION_FAILED error object', async () => {
    vi.stubEnv('CARDBRIDGE_API_KEY', '');
    const r = await runCli(['--json', '--data-dir', dir, 'customers', 'get', '5']);
    expect(r.code).toBe(exitCodes.usage);
    expect(JSON.parse(r.stderr).error).toMatchObject({
      domainCode: 'VALIDATION_FAILED',
      exitCode: 2,
      issues: [{ path: 'apiKey', message: 'empty API key' }],
    });
  });

  it('the key is never printed by ordinary commands', async () => {
    const c = capture();
    const r = await runCli(['--api-key', 'cbk_dontshowme', 'customers', 'get', '5', '--json'], {
      createClient: c.createClient,
    });
    expect(`${r.stdout}${r.stderr}`).not.toContain('cbk_dontshowme');
  });
});
