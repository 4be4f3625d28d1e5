import { z } from 'zod';
import {
  type ExpiryWindowText,
  expiryWindowHelp,
  formatExpiryWindow,
  parseExpiryWindow,
} from '../card/expiry-window.js';
import { idSchema } from '../ids.js';
import { bothCursorsMessage, listOutput, noBothCursors, paginationInput } from '../pagination.js';
import { paymentMethodDto } from './schemas.js';

/**
 * `within`: `60d`, `12w`, `3m`, `1y` or a number of days, at most five years. Parsed into its
 * canonical text (`90` → `90d`), which is itself a valid input: a client that parses first
 * (the CLI) sends what it parsed.
 */
export const expiryWindowInput = z
  .union([z.number(), z.string()], {
    error: (issue) =>
      issue.input === undefined ? `required: ${expiryWindowHelp}` : `must be ${expiryWindowHelp}`,
  })
  .transform((value, ctx): ExpiryWindowText => {
    const parsed = parseExpiryWindow(value);
    if (parsed.ok) return formatExpiryWindow(parsed.window);
    ctx.issues.push({ code: 'custom', message: parsed.message, input: value });
    return z.NEVER;
  });

/**
 * Active cards of the tenant (or of one customer) whose expiry falls on or before now + `within`,
 * already expired ones included; soonest first, then by id. Cursors are payment method ids, as on
 * every list: the page continues from that card's place in this order.
 */
export const expiringPaymentMethodsInput = z
  .strictObject({
    within: expiryWindowInput,
    customerId: idSchema.optional(),
    ...paginationInput,
  })
  .refine(noBothCursors, bothCursorsMessage);
export type ExpiringPaymentMethodsInput = z.infer<typeof expiringPaymentMethodsInput>;

/** The list's DTO (masked number, nothing more) and when the card stops working. */
export const expiringPaymentMethodDto = paymentMethodDto.extend({
  /** The last day the card is valid: the last day of its expiry month (UTC). */
  expiresOn: z.iso.date(),
  /** Already past `expiresOn`. */
  expired: z.boolean(),
});
export type ExpiringPaymentMethodDto = z.infer<typeof expiringPaymentMethodDto>;

export const expiringPaymentMethodList = listOutput(expiringPaymentMethodDto).extend({
  /** now + `within` (UTC date): the list holds the cards whose `expiresOn` is on or before it. */
  expiresOnOrBefore: z.iso.date(),
});
export type ExpiringPaymentMethodList = z.infer<typeof expiringPaymentMethodList>;
