/**
 * The gateway, card-intake, export, key-rotation and emulator commands: flags → procedure
 * inputs (fake client, in-process), and the PCI rules — the card number and CVV come from
 * stdin or a hidden prompt, and neither they nor a Stripe secret key are ever printed.
 */
import { PassThrough, Readable } from 'node:stream';
import { TRPCClientError } from '@trpc/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SecretSource } from '../src/context.js';
import { exitCodes } from '../src/errors.js';
import { fakeProcedure, fakeSequence, pipedStdin, runCli } from './helpers.js';

const withKey = ['--api-key', 'cbk_test'];

const card = {
  id: 11,
  customerId: 5,
  maskedCardNumber: '************4242',
  cardType: 'Visa',
  expirationMonth: 4,
  expirationYear: 29,
  firstName: 'Ada',
  lastName: 'Lovelace',
  address1: '1 Main St',
  address2: '',
  countryId: 124,
  country: 'CAN',
  stateId: null,
  state: '',
  city: 'Ottawa',
  postalZip: 'K1A 0A6',
  isDefault: true,
  externalCustomerId: 'cus_1',
  externalCardId: 'card_1',
  storedInVault: false,
  email: null,
  modifiedDate: '2025-01-02T03:04:05.678Z',
  originalPaymentMethodId: null,
  uri: null,
  gatewayAccountId: 2,
  status: 'active',
  fingerprint: null,
  createdDate: '2025-01-02T03:04:05.678Z',
};
const vaulted = {
  ...card,
  id: 12,
  storedInVault: true,
  gatewayAccountId: null,
  externalCustomerId: null,
  externalCardId: null,
  duplicateOf: null,
  collected: null,
};

const stripeSecret = 'sk_test_DoNotPrintMe0123456789wxyz';
const stripeAccount = {
  id: 2,
  type: 'stripe',
  name: 'Stripe',
  status: 'active',
  isDefault: true,
  livemode: false,
  connectedAccountId: null,
  apiBase: 'http://127.0.0.1:12111',
  secretKeyLast4: 'wxyz',
  createdDate: '2025-01-02T03:04:05.678Z',
};
const testAccount = {
  ...stripeAccount,
  id: 3,
  type: 'test',
  name: 'Test gateway',
  isDefault: false,
  apiBase: null,
  secretKeyLast4: null,
};

/** A Luhn-valid Visa test number, as someone might type it, and a CVV that appears nowhere else. */
const pan = '4000 0566 5566 5556';
const panDigits = '4000056655665556';
const cvv = '987';

const expectNoSecrets = (text: string) => {
  expect(text).not.toContain(panDigits);
  expect(text).not.toContain(pan);
  expect(text).not.toContain('5566');
  expect(text).not.toContain(cvv);
};

/** A stdin that records whether anyone read it. */
function watchedStdin(text: string) {
  const state = { read: false };
  const stream = new Readable({
    read() {
      state.read = true;
      this.push(Buffer.from(text));
      this.push(null);
    },
  });
  return { stream: stream as SecretSource, state };
}

const createArgs = [
  'cards',
  'create',
  '--customer',
  '5',
  '--exp-month',
  '4',
  '--exp-year',
  '29',
  '--first-name',
  ' Ada ',
  '--last-name',
  'Lovelace',
];

beforeEach(() => {
  for (const name of ['CARDBRIDGE_URL', 'CARDBRIDGE_API_KEY', 'CARDBRIDGE_DATA_DIR', 'STRIPE_SECRET_KEY'])
    vi.stubEnv(name, undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('gateways', () => {
  it('add stripe sends the flags; the secret key is never printed, only …last4', async () => {
    const create = fakeProcedure(stripeAccount);
    const argv = [
      ...withKey,
      'gateways',
      'add',
      'stripe',
      '--secret-key',
      stripeSecret,
      '--api-base',
      'http://127.0.0.1:12111',
      '--connected-account',
      'acct_123',
      '--name',
      'emulator',
      '--default',
    ];
    const r = await runCli(argv, { client: { gatewayAccounts: { create } } });
    expect(r.code).toBe(0);
    expect(create.calls).toEqual([
      {
        type: 'stripe',
        secretKey: stripeSecret,
        apiBase: 'http://127.0.0.1:12111',
        connectedAccountId: 'acct_123',
        name: 'emulator',
        isDefault: true,
      },
    ]);
    expect(r.stdout).toContain('Added gateway account 2');
    expect(r.stdout).toMatch(/secret key\s+│ …wxyz/);
    const asJson = await runCli([...argv, '--json'], { client: { gatewayAccounts: { create } } });
    for (const out of [r, asJson]) expect(`${out.stdout}${out.stderr}`).not.toContain(stripeSecret);
  });

  it('reads the secret key from STRIPE_SECRET_KEY when --secret-key is omitted', async () => {
    vi.stubEnv('STRIPE_SECRET_KEY', stripeSecret);
    const create = fakeProcedure(stripeAccount);
    const r = await runCli([...withKey, 'gateways', 'add', 'stripe'], {
      client: { gatewayAccounts: { create } },
    });
    expect(r.code).toBe(0);
    expect(create.calls).toEqual([{ type: 'stripe', secretKey: stripeSecret, isDefault: false }]);
    expect(`${r.stdout}${r.stderr}`).not.toContain(stripeSecret);
  });

  it('no secret key anywhere is exit 2 pointing at STRIPE_SECRET_KEY; nothing is sent', async () => {
    const r = await runCli([...withKey, 'gateways', 'add', 'stripe']);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toContain('set STRIPE_SECRET_KEY');
  });

  it('a malformed secret key is exit 2 without echoing it', async () => {
    const bad = 'pk_test_NotASecretKeyButStill';
    const r = await runCli([...withKey, 'gateways', 'add', 'stripe', '--secret-key', bad]);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toContain('secretKey (--secret-key or STRIPE_SECRET_KEY): must be a Stripe secret key');
    expect(r.stderr).not.toContain(bad);
  });

  it('add test, list, get and disable', async () => {
    const create = fakeProcedure(testAccount);
    const list = fakeProcedure([stripeAccount, testAccount]);
    const get = fakeProcedure(testAccount);
    const disable = fakeProcedure({ ...testAccount, status: 'disabled' });
    const client = { gatewayAccounts: { create, list, get, disable } };
    const [added, listed, got, disabled] = await Promise.all([
      runCli([...withKey, 'gateways', 'add', 'test', '--name', 'T', '--default'], { client }),
      runCli([...withKey, 'gateways', 'list'], { client }),
      runCli([...withKey, 'gateways', 'get', '3'], { client }),
      runCli([...withKey, 'gateways', 'disable', '3'], { client }),
    ]);
    expect(create.calls).toEqual([{ type: 'test', name: 'T', isDefault: true }]);
    expect(added.code).toBe(0);
    expect(listed.stdout).toMatch(/│ 2\s+│ \*\s+│ stripe\s+│ Stripe/);
    expect(listed.stdout).toContain('…wxyz');
    expect(listed.stdout).toContain('2 gateway accounts');
    expect(get.calls).toEqual([{ id: 3 }]);
    expect(got.stdout).toContain('Test gateway');
    expect(disable.calls).toEqual([{ id: 3 }]);
    expect(disabled.stdout).toContain('Disabled gateway account 3');
  });
});

describe('cards from gateways: import, add-token, update, delete', () => {
  it('import maps the flags, and shows the masked number', async () => {
    const importStripeCard = fakeProcedure(card);
    const importStripeConnectCard = fakeProcedure(card);
    const client = { paymentMethods: { importStripeCard, importStripeConnectCard } };
    const flags = ['--customer', '5', '--stripe-customer', 'cus_A1', '--stripe-card', 'card_B2'];
    const r = await runCli([...withKey, 'cards', 'import', ...flags, '--gateway', '2'], { client });
    expect(r.code).toBe(0);
    expect(importStripeCard.calls).toEqual([
      {
        customerId: 5,
        stripeCustomerId: 'cus_A1',
        stripeCardId: 'card_B2',
        gatewayAccountId: 2,
        duplicatePolicy: 'allow',
      },
    ]);
    expect(r.stdout).toContain('Imported card 11 for customer 5.');
    expect(r.stdout).toContain('************4242');
    const connect = await runCli([...withKey, 'cards', 'import', ...flags, '--connect'], { client });
    expect(connect.code).toBe(0);
    expect(importStripeConnectCard.calls).toEqual([
      { customerId: 5, stripeCustomerId: 'cus_A1', stripeCardId: 'card_B2', duplicatePolicy: 'allow' },
    ]);
  });

  it.each([
    [['--stripe-card', 'src_1'], 'stripeCardId (--stripe-card)'],
    [['--stripe-card', 'pm_1', '--gateway', 'x'], 'gatewayAccountId (--gateway)'],
  ])('import %j is exit 2 naming %s', async (extra, field) => {
    const r = await runCli([
      ...withKey,
      'cards',
      'import',
      '--customer',
      '5',
      '--stripe-customer',
      'cus_1',
      '--stripe-card',
      'card_1',
      ...extra,
    ]);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toContain(`  ${field}: `);
  });

  it('add-token maps token, gateway, billing fields and --default', async () => {
    const createFromToken = fakeProcedure(card);
    const r = await runCli(
      [
        ...withKey,
        'cards',
        'add-token',
        '--customer',
        '5',
        '--token',
        'tok_visa',
        '--gateway',
        '2',
        '--first-name',
        'Ada',
        '--last-name',
        'Lovelace',
        '--address1',
        '1 Main St',
        '--city',
        'Ottawa',
        '--state',
        'ON',
        '--postal-zip',
        'K1A 0A6',
        '--country-id',
        '124',
        '--default',
      ],
      { client: { paymentMethods: { createFromToken } } },
    );
    expect(r.code).toBe(0);
    expect(createFromToken.calls).toEqual([
      {
        customerId: 5,
        token: 'tok_visa',
        gatewayAccountId: 2,
        isDefault: true,
        firstName: 'Ada',
        lastName: 'Lovelace',
        address1: '1 Main St',
        city: 'Ottawa',
        state: 'ON',
        postalZip: 'K1A 0A6',
        countryId: 124,
        duplicatePolicy: 'allow',
      },
    ]);
    expect(r.stdout).toContain('Added card 11');
  });

  it('update sends only the flags given; --country-id "" clears the country', async () => {
    const update = fakeProcedure(card);
    const r = await runCli(
      [
        ...withKey,
        'cards',
        'update',
        '11',
        '--address2',
        'Suite 4',
        '--country-id',
        '',
        '--exp-month',
        '12',
        '--exp-year',
        '2031',
      ],
      { client: { paymentMethods: { update } } },
    );
    expect(r.code).toBe(0);
    expect(update.calls).toEqual([
      { id: 11, address2: 'Suite 4', countryId: null, expirationMonth: 12, expirationYear: 2031 },
    ]);
    expect(r.stdout).toContain('Updated card 11.');
  });

  it.each([
    [['cards', 'update', '11'], /nothing to update/],
    [['cards', 'update', '11', '--exp-month', '5'], /expirationYear \(--exp-year\): /],
    [['cards', 'update', '11', '--exp-month', '13', '--exp-year', '30'], /expirationMonth \(--exp-month\): /],
    [['cards', 'update', '11', '--postal-zip', '12345678901'], /postalZip \(--postal-zip\): /],
  ])('%j is exit 2', async (argv, message) => {
    const r = await runCli([...withKey, ...argv]);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toMatch(message);
  });

  it('delete --at-gateway', async () => {
    const del = fakeProcedure({ id: 11, deleted: true, newDefaultPaymentMethodId: null });
    const client = { paymentMethods: { delete: del } };
    const [atGateway, plain] = await Promise.all([
      runCli([...withKey, 'cards', 'delete', '11', '--at-gateway'], { client }),
      runCli([...withKey, 'cards', 'delete', '11'], { client }),
    ]);
    expect(del.calls).toContainEqual({ id: 11, atGateway: true });
    expect(del.calls).toContainEqual({ id: 11, atGateway: false });
    expect(atGateway.stdout).toContain('Deleted card 11 (also at its gateway).');
    expect(plain.stdout).toContain('Deleted card 11. The customer has no default card now.');
  });
});

describe('cards create / replace: the card number and CVV come from stdin or a hidden prompt', () => {
  it('reads the number and CVV from a piped stdin, sends them, never prints them', async () => {
    const createCard = fakeProcedure(vaulted);
    const client = { paymentMethods: { createCard } };
    const argv = [...withKey, ...createArgs, '--address1', '1 Main St', '--country-id', '124', '--default'];
    const r = await runCli(argv, { client, stdin: pipedStdin(`${pan}\n${cvv}\n`) });
    expect(r.code, r.stderr).toBe(0);
    expect(createCard.calls).toEqual([
      {
        customerId: 5,
        firstName: 'Ada',
        lastName: 'Lovelace',
        address1: '1 Main St',
        countryId: 124,
        expirationMonth: 4,
        expirationYear: 29,
        isDefault: true,
        verify: false,
        duplicatePolicy: 'allow',
        cardNumber: pan,
        cvv,
      },
    ]);
    expect(r.stdout).toContain('Created card 12 for customer 5.');
    expect(r.stdout).toContain('************4242');
    expectNoSecrets(`${r.stdout}${r.stderr}${r.prompt}`);
    // --json prints the API's result, which never has them either.
    const asJson = await runCli([...argv, '--json'], { client, stdin: pipedStdin(`${pan}\r\n`) });
    expect(JSON.parse(asJson.stdout)).toEqual(vaulted);
    expectNoSecrets(`${asJson.stdout}${asJson.stderr}`);
    expect(createCard.calls[1]).toMatchObject({ cardNumber: pan });
    expect(createCard.calls[1]).not.toHaveProperty('cvv');
  });

  it('--verify, --gateway and --duplicates; a duplicate is shown', async () => {
    const createCard = fakeProcedure({ ...vaulted, duplicateOf: 7 });
    const r = await runCli(
      [...withKey, ...createArgs, '--verify', '--gateway', '2', '--duplicates', 'return_existing'],
      { client: { paymentMethods: { createCard } }, stdin: pipedStdin(panDigits) },
    );
    expect(r.code).toBe(0);
    expect(createCard.calls[0]).toMatchObject({
      verify: true,
      gatewayAccountId: 2,
      duplicatePolicy: 'return_existing',
      cardNumber: panDigits,
    });
    expect(r.stdout).toMatch(/duplicate of\s+│ 7/);
  });

  it('bad flags fail before stdin is read or anything is sent', async () => {
    const { stream, state } = watchedStdin(`${panDigits}\n`);
    const argv = [...createArgs];
    argv[argv.indexOf('--exp-month') + 1] = '13';
    const r = await runCli([...withKey, ...argv, '--duplicates', 'sometimes'], { stdin: stream });
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toMatch(/expirationMonth \(--exp-month\): /);
    expect(r.stderr).toMatch(/duplicatePolicy \(--duplicates\): /);
    expect(state.read).toBe(false);
  });

  it.each([
    ['a number that fails the Luhn check', '4000056655665557\n', /cardNumber \(stdin or prompt\): .*Luhn/],
    ['an Amex with a 3-digit CVV', `378282246310005\n${cvv}\n`, /cvv \(stdin or prompt\): .*4 digits/],
    ['nothing', '', /no card number on stdin/],
    ['three lines', `${panDigits}\n${cvv}\nmore\n`, /more than two lines/],
  ])('%s on stdin is exit 2, without echoing it', async (_what, input, message) => {
    const r = await runCli([...withKey, ...createArgs], { stdin: pipedStdin(input) });
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toMatch(message);
    expectNoSecrets(r.stderr);
    expect(r.stderr).not.toContain('4000056655665557');
    expect(r.stderr).not.toContain('378282246310005');
  });

  it('a card number or CVV flag is refused without repeating it', async () => {
    for (const flag of [`--card-number=${panDigits}`, `--cvv=${cvv}`, `--number=${panDigits}`]) {
      const r = await runCli([...withKey, ...createArgs, flag], { stdin: pipedStdin(panDigits) });
      expect(r.code).toBe(exitCodes.usage);
      expect(r.stderr).toContain('never taken from flags');
      expectNoSecrets(r.stderr);
    }
  });

  it('a mistyped flag that carries a card number is not repeated back', async () => {
    for (const flag of [`--card=${panDigits}`, `--kard=${pan}`]) {
      const r = await runCli([...withKey, ...createArgs, flag], { stdin: pipedStdin(panDigits) });
      expect(r.code).toBe(exitCodes.usage);
      expect(r.stderr).toContain('unknown option');
      expectNoSecrets(r.stderr);
    }
  });

  it('on a terminal it prompts twice with echo off', async () => {
    const tty = new PassThrough() as PassThrough & { isTTY: boolean };
    tty.isTTY = true;
    const createCard = fakeProcedure(vaulted);
    const running = runCli([...withKey, ...createArgs], {
      client: { paymentMethods: { createCard } },
      stdin: tty,
    });
    for (const line of [panDigits, cvv]) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      tty.write(`${line}\r`);
    }
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    expect(createCard.calls[0]).toMatchObject({ cardNumber: panDigits, cvv });
    expect(r.prompt).toContain('Card number (input hidden): ');
    expect(r.prompt).toContain('CVV (input hidden; Enter to skip): ');
    expectNoSecrets(`${r.prompt}${r.stdout}${r.stderr}`);
  });

  it('replace GETs the card, keeps its values unless a flag is given, and shows what was collected', async () => {
    const get = fakeProcedure(card);
    const replaceCreditCard = fakeProcedure({
      ...vaulted,
      id: 13,
      originalPaymentMethodId: 11,
      duplicateOf: null,
      collected: { amount: 25.5, currency: 'usd', chargeId: 'ch_1', status: 'succeeded' },
    });
    const r = await runCli(
      [
        ...withKey,
        'cards',
        'replace',
        '11',
        '--exp-year',
        '2031',
        '--last-name',
        'King',
        '--collect',
        '25.50',
      ],
      { client: { paymentMethods: { get, replaceCreditCard } }, stdin: pipedStdin(`${pan}\n${cvv}\n`) },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(get.calls).toEqual([{ id: 11 }]);
    expect(replaceCreditCard.calls).toEqual([
      {
        id: 11,
        customerId: 5,
        firstName: 'Ada',
        lastName: 'King',
        address1: '1 Main St',
        address2: '',
        city: 'Ottawa',
        stateId: null,
        postalZip: 'K1A 0A6',
        countryId: 124,
        expirationMonth: 4,
        expirationYear: 2031,
        duplicatePolicy: 'allow',
        paymentCollectOptions: { collectionAmount: 25.5, currency: 'usd' },
        cardNumber: pan,
        cvv,
      },
    ]);
    expect(r.stdout).toContain('Replaced card 11 with card 13.');
    expect(r.stdout).toMatch(/collected\s+│ 25\.50 USD \(succeeded, charge ch_1\)/);
    expectNoSecrets(`${r.stdout}${r.stderr}`);
  });

  it('replace of a card that was replaced already is exit 3 before anything is read', async () => {
    const get = fakeProcedure({ ...card, status: 'replaced' });
    const { stream, state } = watchedStdin(panDigits);
    const r = await runCli([...withKey, 'cards', 'replace', '11'], {
      client: { paymentMethods: { get } },
      stdin: stream,
    });
    expect(r.code).toBe(exitCodes.notFound);
    expect(r.stderr).toContain('has been replaced');
    expect(state.read).toBe(false);
  });

  it.each([
    [['--currency', 'eur'], /--currency goes with --collect/],
    [['--collect', '1.234'], /paymentCollectOptions\.collectionAmount \(--collect \/ --currency\): /],
    [['--collect', '10', '--currency', 'euro'], /paymentCollectOptions\.currency/],
  ])('replace %j is exit 2', async (extra, message) => {
    const get = fakeProcedure(card);
    const r = await runCli([...withKey, 'cards', 'replace', '11', ...extra], {
      client: { paymentMethods: { get } },
      stdin: pipedStdin(panDigits),
    });
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toMatch(message);
  });
});

describe('cards export', () => {
  const exported = {
    id: 1,
    paymentMethodId: 12,
    gatewayAccountId: 3,
    status: 'succeeded',
    externalCustomerId: 'tgw_cus_1',
    externalCardId: 'tgw_card_1',
    error: null,
    createdDate: '2025-01-02T03:04:05.678Z',
    modifiedDate: '2025-01-02T03:04:05.678Z',
  };

  it('sends the card and destination, shows status and external ids', async () => {
    const exp = fakeProcedure(exported);
    const r = await runCli([...withKey, 'cards', 'export', '12', '--gateway', '3'], {
      client: { paymentMethods: { export: exp } },
    });
    expect(r.code).toBe(0);
    expect(exp.calls).toEqual([{ id: 12, gatewayAccountId: 3 }]);
    expect(r.stdout).toContain('Export of card 12 to gateway account 3: succeeded.');
    expect(r.stdout).toContain('tgw_card_1');
  });

  it('a gateway timeout is exit 5: the export is UNKNOWN, and re-running the command reconciles it', async () => {
    const timeout = TRPCClientError.from({
      error: {
        code: -32603,
        message: 'Export 1 of payment method 12 is UNKNOWN: the destination did not answer in time.',
        data: { httpStatus: 504, domainCode: 'GATEWAY_TIMEOUT' },
      },
    });
    const r = await runCli([...withKey, 'cards', 'export', '12', '--gateway', '3'], {
      client: { paymentMethods: { export: fakeProcedure(timeout) } },
    });
    expect(r.code).toBe(exitCodes.server);
    expect(r.stderr).toMatch(
      /^error: the export of card 12 to gateway account 3 is UNKNOWN: the destination gateway did not answer in time/,
    );
    expect(r.stderr).toContain(
      'Re-running the same command (cardbridge cards export 12 --gateway 3) reconciles it',
    );
    // The CLI's own request timeout leaves it just as unknown.
    const slow = TRPCClientError.from(Object.assign(new Error('aborted'), { name: 'TimeoutError' }));
    const own = await runCli([...withKey, 'cards', 'export', '12', '--gateway', '3'], {
      client: { paymentMethods: { export: fakeProcedure(slow) } },
    });
    expect(own.code).toBe(exitCodes.server);
    expect(own.stderr).toMatch(/is UNKNOWN: the cardbridge API at \S+ did not answer in time/);
  });
});

describe('keys rotate (the vault data key, not API keys)', () => {
  const batches = [
    { keyVersion: 2, reencrypted: 2, remaining: 3 },
    { keyVersion: 2, reencrypted: 2, remaining: 1 },
    { keyVersion: 2, reencrypted: 1, remaining: 0 },
  ];

  it('rotates once, then re-encrypts batch by batch until nothing remains', async () => {
    const rotateKey = fakeProcedure({ keyVersion: 2, reencrypted: 0, remaining: 5 });
    const reencrypt = fakeSequence(batches);
    const r = await runCli([...withKey, 'keys', 'rotate', '--batch-size', '2'], {
      client: { vault: { rotateKey, reencrypt } },
    });
    expect(r.code).toBe(0);
    expect(rotateKey.calls).toHaveLength(1);
    expect(reencrypt.calls).toEqual([{ batchSize: 2 }, { batchSize: 2 }, { batchSize: 2 }]);
    expect(r.stdout).toContain('New data key version 2; 5 rows to re-encrypt.');
    expect(r.stdout).toContain(
      'batch 1: re-encrypted 2, 3 remaining (40% done)\n' +
        'batch 2: re-encrypted 2, 1 remaining (80% done)\n' +
        'batch 3: re-encrypted 1, 0 remaining (100% done)\n',
    );
    expect(r.stdout).toContain('(5 re-encrypted)');
  });

  it('--resume only re-encrypts; --json prints one result', async () => {
    const rotateKey = fakeProcedure({ keyVersion: 3, reencrypted: 0, remaining: 0 });
    const reencrypt = fakeSequence(batches);
    const r = await runCli([...withKey, '--json', 'keys', 'rotate', '--resume'], {
      client: { vault: { rotateKey, reencrypt } },
    });
    expect(r.code).toBe(0);
    expect(rotateKey.calls).toHaveLength(0);
    expect(reencrypt.calls[0]).toEqual({ batchSize: 100 });
    expect(JSON.parse(r.stdout)).toEqual({ keyVersion: 2, reencrypted: 5, remaining: 0, batches: 3 });
  });

  it('batches that make no progress stop with exit 5 and the --resume hint', async () => {
    const reencrypt = fakeSequence([{ keyVersion: 2, reencrypted: 0, remaining: 4 }]);
    const r = await runCli([...withKey, 'keys', 'rotate', '--resume'], { client: { vault: { reencrypt } } });
    expect(r.code).toBe(exitCodes.server);
    expect(reencrypt.calls).toHaveLength(3);
    expect(r.stderr).toContain('keys rotate --resume');
  });

  it('--batch-size is checked by the API schema; the help says it is not about API keys', async () => {
    const r = await runCli([...withKey, 'keys', 'rotate', '--batch-size', '0']);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toContain('batchSize (--batch-size): ');
    const help = await runCli(['keys', 'rotate', '--help']);
    expect(help.stdout).toContain("rotate the vault's data key — NOT an API key");
  });
});

describe('stripe-emulator', () => {
  it('starts, seeds, prints the table and the next steps, and closes when stopped', async () => {
    let stopped = false;
    const r = await runCli(['stripe-emulator', '--port', '0', '--seed', 'demo', '--latency', '0'], {
      untilStopped: async () => {
        stopped = true;
        return 'SIGINT';
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(stopped).toBe(true);
    const url = /Stripe emulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(r.stdout)?.[1];
    expect(url).toBeDefined();
    expect(r.stdout).toContain('Seeded 3 customers:');
    expect(r.stdout).toContain(
      `./cardbridge gateways add stripe --secret-key sk_test_emulator_demo --api-base ${url}`,
    );
    expect(r.stdout).toMatch(
      /\.\/cardbridge cards import --customer <id> --stripe-customer cus_\w+ --stripe-card card_\w+/,
    );
    expect(r.stdout).toContain('Stopping the Stripe emulator (SIGINT).');
    // Closed: nothing listens there any more.
    await expect(fetch(`${url}/v1/customers`)).rejects.toThrow();
  });

  it('--json prints the URL and what was seeded', async () => {
    const r = await runCli(['--json', 'stripe-emulator', '--port', '0', '--seed', 'demo']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { url: string; seeded: { id: string; cards: unknown[] }[] };
    expect(body.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(body.seeded).toHaveLength(3);
    expect(body.seeded[0]?.id).toMatch(/^cus_/);
  });

  it.each([
    [['--seed', 'lots'], 'seed'],
    [['--port', '70000'], 'port'],
    [['--latency', 'slow'], 'latencyMs (--latency)'],
    [['--rate-limit', '0'], 'rateLimitPerSecond (--rate-limit)'],
  ])('%j is exit 2 naming %s', async (argv, field) => {
    const r = await runCli(['stripe-emulator', ...argv]);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toContain(`  ${field}: `);
  });
});
