import { type ApiKeyRow, apiKeyChangesChannel, type DatabaseHandle } from '@cardbridge/db';

/**
 * Authenticated API keys, kept for a short while so that a request does not cost a database
 * round trip to look its key up (issue 10: one of three round trips of a list).
 *
 * What a cached key may cost — the staleness bound, README "API keys and revocation":
 * - Only keys that authenticated are kept (their row: tenant, scopes, secret hash; the
 *   secret is still compared at every request). Unknown, revoked and malformed keys always
 *   go to the database, so a flood of bad keys cannot fill the cache.
 * - Revoking a key announces it with a NOTIFY in the revoking transaction
 *   (packages/db `revokeApiKey`); every server sharing the database LISTENs and drops the key
 *   when the revocation commits. The revoking server also drops it at once.
 * - Should a notification be lost (the listening connection dropped and came back: the cache
 *   is then emptied, as anything may have been missed), an entry still lives at most `ttlMs`
 *   (`CARDBRIDGE_API_KEY_CACHE_MS`, default 5 s) from when it was read: that is the bound on
 *   how long a revoked key can still be served. While the listen is not established, nothing
 *   is cached. `ttlMs` 0 turns the cache off.
 */
export interface ApiKeyCacheOptions {
  ttlMs: number;
  /** Most keys kept; the oldest entry makes room for a new one. */
  maxEntries?: number;
  clock: () => Date;
}

interface Entry {
  row: ApiKeyRow;
  expiresAt: number;
}

export class ApiKeyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #clock: () => Date;
  readonly #invalidationListeners = new Set<(keyId: string | null) => void>();
  #listening = false;

  constructor(opts: ApiKeyCacheOptions) {
    this.#ttlMs = opts.ttlMs;
    this.#maxEntries = opts.maxEntries ?? 10_000;
    this.#clock = opts.clock;
  }

  /** Whether keys are kept now: a TTL above 0 and the revocation channel listened to. */
  get enabled(): boolean {
    return this.#ttlMs > 0 && this.#listening;
  }

  get(keyId: string): ApiKeyRow | undefined {
    const entry = this.#entries.get(keyId);
    if (!entry) return undefined;
    if (!this.enabled || this.#clock().getTime() >= entry.expiresAt) {
      this.#entries.delete(keyId);
      return undefined;
    }
    return entry.row;
  }

  /** Keeps a key that just authenticated (never a revoked one). */
  set(row: ApiKeyRow): void {
    if (!this.enabled || row.revokedAt) return;
    this.#entries.delete(row.keyId);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(row.keyId, { row, expiresAt: this.#clock().getTime() + this.#ttlMs });
  }

  /** Updates a kept key's row in place (its last use), keeping its expiry. */
  update(row: ApiKeyRow): void {
    const entry = this.#entries.get(row.keyId);
    if (entry) entry.row = row;
  }

  /** Drops one key (`keyId`), or every key (`null`). */
  invalidate(keyId: string | null): void {
    if (keyId === null) this.#entries.clear();
    else this.#entries.delete(keyId);
    for (const listener of this.#invalidationListeners) listener(keyId);
  }

  /** Calls `listener` after each invalidation; returns the function that stops it (tests wait on it). */
  onInvalidation(listener: (keyId: string | null) => void): () => void {
    this.#invalidationListeners.add(listener);
    return () => this.#invalidationListeners.delete(listener);
  }

  /**
   * Listens for revocations on the database shared by every server. The cache keeps nothing
   * until the listen is established, and empties itself each time it is (re-)established.
   */
  async follow(database: Pick<DatabaseHandle, 'listen'>): Promise<() => Promise<void>> {
    if (this.#ttlMs <= 0) return async () => {};
    const unlisten = await database.listen(
      apiKeyChangesChannel,
      (keyId) => this.invalidate(keyId),
      () => {
        this.invalidate(null);
        this.#listening = true;
      },
    );
    return async () => {
      this.#listening = false;
      this.invalidate(null);
      await unlisten();
    };
  }
}
