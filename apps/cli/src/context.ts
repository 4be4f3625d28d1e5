import type { ApiClient, ClientOptions } from './client.js';
import type { GlobalFlags } from './config.js';
import type { Io } from './io.js';
import type { RestFiles } from './rest-files.js';

/** Where the card number and CVV come from: a pipe (`isTTY` unset) or a terminal. */
export type SecretSource = NodeJS.ReadableStream & { isTTY?: boolean };

/** Ctrl+C (or SIGTERM) while a command waits on something: `signal` settles with it; `dispose` stops listening. */
export interface Interrupt {
  signal: Promise<NodeJS.Signals>;
  dispose(): void;
}

/** What the commands need from the outside world; tests replace any of it. */
export interface CliDeps {
  io: Io;
  /** May be async: the default loads the tRPC client only when a command talks to the API. */
  createClient: (opts: ClientOptions) => ApiClient | Promise<ApiClient>;
  /** Uploads and downloads (the REST facade's file routes); loaded only by the commands that move files. */
  createFiles: (opts: ClientOptions) => RestFiles | Promise<RestFiles>;
  /** `cards create`/`replace` read the card number and CVV here, never from flags. */
  stdin: SecretSource;
  /** Where hidden prompts go: stderr, so stdout stays clean for `--json`. */
  promptOut: NodeJS.WritableStream;
  /** A foreground command (`stripe-emulator`) runs until this resolves: SIGINT or SIGTERM. */
  untilStopped: () => Promise<NodeJS.Signals>;
  /** Watching a job: Ctrl+C stops the watching, not the job. */
  interrupts: () => Interrupt;
  /** Where a job's live progress goes: a bar on a terminal, periodic lines (on `io.err`) otherwise. */
  progress: NodeJS.WritableStream & { isTTY?: boolean };
  /** Between two looks at a job being watched. */
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

/** Handed to every command group's `register…` function. */
export interface CliContext {
  deps: CliDeps;
  /** The global flags (`--url`, `--api-key`, `--data-dir`, `--json`) as parsed. */
  flags(): GlobalFlags;
  /** The validated API base URL. */
  url(): string;
  /** A tRPC client for the URL and key; resolving the key may read the bootstrap key file. */
  client(): Promise<ApiClient>;
  /** Uploads and downloads over HTTP, with the same URL and key. */
  files(): Promise<RestFiles>;
  /** `--json`: the raw result; otherwise the human rendering. */
  emit(result: unknown, human: () => string): void;
}
