import pMap from 'p-map';

/**
 * `fn` over `items`, `concurrency` at a time, in order. Every call ends before this returns,
 * failed or not: a task that fails is retried, and no work of this attempt may still be
 * running then. The first error is thrown as it was (the runner tells permanent from transient
 * by it).
 */
export async function atOnce<T, R>(
  items: Iterable<T>,
  fn: (item: T) => Promise<R>,
  concurrency: number,
): Promise<R[]> {
  try {
    return await pMap(items, fn, { concurrency, stopOnError: false });
  } catch (error) {
    throw error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  }
}
