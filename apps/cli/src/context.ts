import type { ApiClient, ClientOptions } from './client.js';
import type { GlobalFlags } from './config.js';
import type { Io } from './io.js';

/** Where the card number and CVV come from: a pipe (`isTTY` unset) or a terminal. */
export type SecretSource = NodeJS.ReadableStream & { isTTY?: boolean };

/** What the commands need from the outside world; tests replace any of it. */
export interface CliDeps {
  io: Io;
  /** May be async: the default loads the tRPC client only when a command talks to the API. */
  createClient: (opts: ClientOptions) => ApiClient | Promise<ApiClient>;
  /** `cards create`/`replace` read the card number and CVV here, never from flags. */
  stdin: SecretSource;
  /** Where hidden prompts go: stderr, so stdout stays clean for `--json`. */
  promptOut: NodeJS.WritableStream;
  /** A foreground command (`stripe-emulator`) runs until this resolves: SIGINT or SIGTERM. */
  untilStopped: () => Promise<NodeJS.Signals>;
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
  /** `--json`: the raw result; otherwise the human rendering. */
  emit(result: unknown, human: () => string): void;
}
