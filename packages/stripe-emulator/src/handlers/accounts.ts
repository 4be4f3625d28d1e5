import { connectedAccountsOfConnectedAccount, noAccessToAccount } from '../errors.js';
import { accountJson, type Json } from '../objects.js';
import { createdRange, listObject, pageOfIndex, pageParams } from '../pagination.js';
import { pathParam, type RequestContext } from '../router.js';
import { DEFAULT_CREATED_FROM } from '../seed.js';

/**
 * Stripe Connect, seen from the platform: GET /v1/accounts lists the accounts connected to
 * it (newest first, `created` filters, cursor paging) and GET /v1/accounts/:id retrieves
 * one. Only the platform itself may list: a request acting as a connected account
 * (Stripe-Account header) is refused as Stripe refuses it.
 */

export function listAccounts(ctx: RequestContext): Json {
  if (ctx.space.account !== null) throw connectedAccountsOfConnectedAccount();
  const page = pageParams(ctx.params);
  const { data, has_more } = pageOfIndex(ctx.store.accountOrder, page, {
    kind: 'account',
    lookup: (id) => ctx.store.connectedAccount(id),
    created: createdRange(ctx.params),
  });
  return listObject('/v1/accounts', data.map(accountJson), has_more);
}

export function retrieveAccount(ctx: RequestContext): Json {
  const id = pathParam(ctx, 'account');
  const actingAs = ctx.space.account;
  // A connected account may read itself; nothing else outside the platform's view.
  if (actingAs !== null && actingAs !== id) throw noAccessToAccount(ctx.apiKey, id);
  const account = ctx.store.connectedAccount(id);
  if (!account) throw noAccessToAccount(ctx.apiKey, id);
  return accountJson(account);
}

/**
 * GET /v1/account: the account the key acts as (the platform, or the connected account of the
 * Stripe-Account header). The emulator's platform account is as old as its oldest customer
 * (or the seed's default start): what a reader needs to split the account by `created`.
 */
export function retrieveOwnAccount(ctx: RequestContext): Json {
  const actingAs = ctx.space.account;
  if (actingAs !== null) {
    const account = ctx.store.connectedAccount(actingAs);
    if (!account) throw noAccessToAccount(ctx.apiKey, actingAs);
    return accountJson(account);
  }
  const oldest = ctx.space.customerOrder.at(0)?.created ?? DEFAULT_CREATED_FROM;
  return accountJson({
    id: PLATFORM_ACCOUNT_ID,
    seq: 0,
    created: Math.min(oldest, DEFAULT_CREATED_FROM),
    email: null,
    businessName: 'Emulated platform',
    country: 'US',
    defaultCurrency: 'usd',
    metadata: {},
  });
}

export const PLATFORM_ACCOUNT_ID = 'acct_emulatorplatform';
