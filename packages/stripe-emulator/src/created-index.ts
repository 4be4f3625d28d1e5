/**
 * Records kept sorted by (created, seq), the order Stripe lists them in (newest first, read
 * backwards). Lists over a large account (100k customers) then cost a binary search and a
 * walk over one page instead of a sort per request; a `created` range is an index range.
 */

export interface Ordered {
  created: number;
  seq: number;
}

const compare = (a: Ordered, b: Ordered) => a.created - b.created || a.seq - b.seq;

export class CreatedIndex<T extends Ordered> {
  readonly #items: T[] = [];

  get length(): number {
    return this.#items.length;
  }

  at(index: number): T | undefined {
    return this.#items[index];
  }

  /** Usually an append: new records carry the newest `created` and the highest `seq`. */
  insert(item: T): void {
    const items = this.#items;
    const last = items[items.length - 1];
    if (!last || compare(last, item) <= 0) {
      items.push(item);
      return;
    }
    items.splice(this.#firstAfter(item), 0, item);
  }

  /**
   * Many at once (seeding): appended, then sorted once if they did not arrive in order. A
   * second 100k seed over the same `created` range would otherwise splice 100k times.
   */
  insertMany(batch: readonly T[]): void {
    const items = this.#items;
    let inOrder = true;
    for (const item of batch) {
      const last = items[items.length - 1];
      if (last && compare(last, item) > 0) inOrder = false;
      items.push(item);
    }
    if (!inOrder) items.sort(compare);
  }

  /** Position of a record in the index, or -1. */
  indexOf(item: T): number {
    const index = this.#firstAfter(item) - 1;
    return this.#items[index] === item ? index : -1;
  }

  /** The first position whose record was created at or after `created` (seconds). */
  firstCreatedAtOrAfter(created: number): number {
    return this.#firstAfter({ created, seq: Number.NEGATIVE_INFINITY });
  }

  /** The first position whose record sorts after `key`. */
  #firstAfter(key: Ordered): number {
    let lo = 0;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.#items[mid] as T, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  clear(): void {
    this.#items.length = 0;
  }
}
