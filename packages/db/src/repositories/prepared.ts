import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from '../client.js';

/**
 * Hot reads as prepared queries. Drizzle builds a query's SQL from its object tree at every
 * call; under load that was a fifth of the API's CPU time (README "HTTP benchmark"). A prepared
 * query is built once per database handle and then only bound to its placeholders and run
 * (postgres.js also prepares it on the server). Inside a transaction (another `Db`, short-lived)
 * the query is built for that one use, as before.
 */
const preparedByDb = new WeakMap<Db, Map<string, unknown>>();

export function preparedQuery<T>(db: Db, name: string, build: (db: Db, name: string) => T): T {
  if ((db as unknown) instanceof PgTransaction) return build(db, name);
  let byName = preparedByDb.get(db);
  if (!byName) {
    byName = new Map();
    preparedByDb.set(db, byName);
  }
  let query = byName.get(name) as T | undefined;
  if (query === undefined) {
    query = build(db, name);
    byName.set(name, query);
  }
  return query;
}
