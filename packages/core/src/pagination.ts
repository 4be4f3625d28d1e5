import { z } from 'zod';
import { idSchema } from './ids.js';

/** Stripe-style cursor pagination: ids are cursors; lists are keyset queries, never OFFSET. */
export const paginationInput = {
  limit: z.number().int().min(1).max(100).default(10),
  /** Cursors are ids: bounded like them, so a cursor never overflows the int4 column it is compared with. */
  startingAfter: idSchema.optional(),
  endingBefore: idSchema.optional(),
};

export const noBothCursors = <T extends { startingAfter?: number; endingBefore?: number }>(v: T) =>
  !(v.startingAfter !== undefined && v.endingBefore !== undefined);

export const bothCursorsMessage = {
  message: 'startingAfter and endingBefore cannot be used together',
  path: ['endingBefore'],
};

export const listOutput = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    data: z.array(item),
    hasMore: z.boolean(),
  });

export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

export type PageRequest = { limit: number; startingAfter?: number; endingBefore?: number };
