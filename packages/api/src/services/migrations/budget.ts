import type { GatewayAccountRow } from '@cardbridge/db';
import type { BudgetRate } from '@cardbridge/jobs';

/**
 * Stripe documents 100 read requests per second in live mode and 25 in test mode; a job may
 * ask for less (or, against an emulator, more) with `requestsPerSecond`.
 */
export function budgetRateFor(account: GatewayAccountRow, requestsPerSecond: unknown): BudgetRate {
  if (typeof requestsPerSecond === 'number' && requestsPerSecond > 0) return { perSecond: requestsPerSecond };
  const livemode = (account.config as { livemode?: unknown }).livemode === true;
  return { perSecond: livemode ? 100 : 25 };
}

export const accountLivemode = (account: GatewayAccountRow): boolean | null => {
  const livemode = (account.config as { livemode?: unknown }).livemode;
  return typeof livemode === 'boolean' ? livemode : null;
};
