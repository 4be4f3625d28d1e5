/**
 * Where a TestGateway keeps its state. In memory (`memorySandboxStore`, core's contract tests
 * and `new TestGateway()`), or in the database (`sandboxStore` in @cardbridge/db, what the
 * server's sandbox kind uses, so cards outlive a restart).
 *
 * Objects are plain JSON documents in named collections, keyed by id; `customerId` indexes
 * cards and charges by their customer. Lists come back oldest first.
 */
export type SandboxCollection = 'customers' | 'cards' | 'charges' | 'refunds' | 'idempotency';

export interface SandboxTx {
  get<T>(collection: SandboxCollection, id: string): Promise<T | undefined>;
  /** Inserts or replaces. */
  put(collection: SandboxCollection, id: string, value: unknown, customerId?: string | null): Promise<void>;
  delete(collection: SandboxCollection, id: string): Promise<void>;
  /** Oldest first; only the customer's objects when `customerId` is given. */
  list<T>(collection: SandboxCollection, customerId?: string): Promise<T[]>;
  /** A fresh id `${prefix}_…`, never handed out before by this store. */
  nextId(prefix: string): Promise<string>;
}

export interface SandboxStore {
  /** Runs `fn` alone and atomically: no other call of this account's gateway interleaves. */
  atomically<T>(fn: (tx: SandboxTx) => Promise<T>): Promise<T>;
  /** The secret card fingerprints are keyed with (stable for the store's life). */
  fingerprintSecret(): Promise<Buffer>;
}

/** An in-process store: state lives as long as the object. */
export function memorySandboxStore(options: { idTag: string; fingerprintSecret: Buffer }): SandboxStore {
  const collections = new Map<
    SandboxCollection,
    Map<string, { value: unknown; customerId: string | null }>
  >();
  const counters = new Map<string, number>();
  const of = (c: SandboxCollection) => {
    let m = collections.get(c);
    if (!m) {
      m = new Map();
      collections.set(c, m);
    }
    return m;
  };
  const tx: SandboxTx = {
    get: async <T>(c: SandboxCollection, id: string) =>
      structuredClone(of(c).get(id)?.value) as T | undefined,
    put: async (c, id, value, customerId = null) => {
      const m = of(c);
      const existing = m.get(id);
      // Replacing keeps the insertion order (a Map does when the key exists).
      m.set(id, { value: structuredClone(value), customerId: customerId ?? existing?.customerId ?? null });
    },
    delete: async (c, id) => {
      of(c).delete(id);
    },
    list: async <T>(c: SandboxCollection, customerId?: string) =>
      [...of(c).values()]
        .filter((e) => customerId === undefined || e.customerId === customerId)
        .map((e) => structuredClone(e.value) as T),
    nextId: async (prefix) => {
      const n = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, n);
      return `${prefix}_${options.idTag}_${n}`;
    },
  };
  let queue: Promise<unknown> = Promise.resolve();
  return {
    atomically: <T>(fn: (t: SandboxTx) => Promise<T>): Promise<T> => {
      const run = queue.then(() => fn(tx));
      queue = run.catch(() => {});
      return run;
    },
    fingerprintSecret: async () => options.fingerprintSecret,
  };
}
