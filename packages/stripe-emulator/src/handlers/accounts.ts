import { connectedAccountsOfConnectedAccount, noAccessToAccount } from '../errors.js';
import { accountJson, type Json } from '../objects.js';
import { createdRange, listObject, pageOfIndex, pageParams } from '../pagination.js';
import { pathParam, type RequestContext } from '../router.js';

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
