import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { SecretSource } from './context.js';
import { CliError, exitCodes, UsageError } from './errors.js';

/**
 * PCI: the card number and CVV never come from flags (they would land in shell history and
 * process lists). They are read from stdin when it is a pipe — the number on the first line,
 * the CVV (optional) on the second — or typed at hidden prompts when it is a terminal. They
 * are handed to the API call and nothing else: never printed, never put in an error.
 */
export interface CardSecrets {
  cardNumber: string;
  cvv?: string;
}

/** More than any card number and CVV: a pipe with more in it is a mistake, not a card. */
const maxPipedBytes = 1024;

const noNumber = (how: string) =>
  new UsageError(`no card number ${how}`, [{ path: 'cardNumber', message: 'card number is required' }]);

export async function readCardSecrets(stdin: SecretSource, promptOut: NodeJS.WritableStream) {
  return stdin.isTTY ? promptCardSecrets(stdin, promptOut) : readPipedCardSecrets(stdin);
}

async function readPipedCardSecrets(stdin: SecretSource): Promise<CardSecrets> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    size += bytes.length;
    if (size > maxPipedBytes) {
      throw new UsageError('stdin holds more than a card number and a CVV', [
        { path: 'cardNumber', message: 'expected two short lines on stdin: the card number, then the CVV' },
      ]);
    }
    chunks.push(bytes);
  }
  const lines = Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  if (lines.length > 2) {
    throw new UsageError('stdin holds more than two lines', [
      { path: 'cardNumber', message: 'expected at most two lines on stdin: the card number, then the CVV' },
    ]);
  }
  const cardNumber = lines[0]?.trim();
  const cvv = lines[1]?.trim();
  if (!cardNumber) {
    throw noNumber(
      'on stdin: pipe it in (the CVV, if any, on a second line) or run in a terminal to be asked',
    );
  }
  return { cardNumber, ...(cvv ? { cvv } : {}) };
}

/** Two prompts on the terminal with echo off (the typed characters go to a muted sink). */
async function promptCardSecrets(input: SecretSource, output: NodeJS.WritableStream): Promise<CardSecrets> {
  let muted = false;
  const sink = new Writable({
    write(chunk, encoding, callback) {
      if (!muted) output.write(chunk, encoding);
      callback();
    },
  });
  const rl = createInterface({ input, output: sink, terminal: true });
  let fail: ((err: Error) => void) | undefined;
  rl.on('SIGINT', () => {
    output.write('\n');
    fail?.(new CliError('cancelled', exitCodes.usage));
  });
  rl.on('close', () => fail?.(noNumber('entered')));
  const ask = (query: string) =>
    new Promise<string>((resolve, reject) => {
      fail = reject;
      muted = false;
      rl.question(query, (answer) => {
        fail = undefined;
        muted = false;
        output.write('\n');
        resolve(answer.trim());
      });
      // The prompt is written; from here on what is typed is not echoed.
      muted = true;
    });
  try {
    const cardNumber = await ask('Card number (input hidden): ');
    if (!cardNumber) throw noNumber('entered');
    const cvv = await ask('CVV (input hidden; Enter to skip): ');
    return { cardNumber, ...(cvv ? { cvv } : {}) };
  } finally {
    fail = undefined;
    rl.close();
  }
}
