import type { ApiClient, ClientOptions } from './client.js';
import type { GlobalFlags } from './config.js';
import type { Io } from './output.js';

/** What the commands need from the outside world; tests replace any of it. */
export interface CliDeps {
  io: Io;
  createClient: (opts: ClientOptions) => ApiClient;
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
