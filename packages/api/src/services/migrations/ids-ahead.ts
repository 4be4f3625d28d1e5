import { type Db, reservePaymentMethodIds } from '@cardbridge/db';

/**
 * Payment method ids reserved ahead of a file's read: while one chunk is built, the ids of the
 * next are on their way, so the read never waits on the sequence. Ids reserved and not used
 * (the read's last batch, a read that stops) are gaps: nothing needs ids dense.
 */
export class IdsAhead {
  #ids: number[] = [];
  #next: Promise<number[]> | null = null;

  constructor(
    private readonly db: Db,
    /** How many to reserve at a time (about a chunk's cards). */
    private readonly batch: number,
  ) {}

  async take(n: number): Promise<number[]> {
    while (this.#ids.length < n) {
      const next = this.#next ?? this.#reserve(Math.max(this.batch, n - this.#ids.length));
      this.#next = null;
      this.#ids.push(...(await next));
    }
    const taken = this.#ids.splice(0, n);
    if (this.#ids.length < this.batch && !this.#next) this.#next = this.#reserve(this.batch);
    return taken;
  }

  #reserve(n: number): Promise<number[]> {
    const reserved = reservePaymentMethodIds(this.db, n);
    // A reservation the read never takes (it ended first) must not fail unobserved.
    reserved.catch(() => {});
    return reserved;
  }
}
