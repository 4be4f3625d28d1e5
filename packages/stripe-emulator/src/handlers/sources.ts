import { HOLDER_FIELDS, updatedExpiry } from '../cards.js';
import { applyMetadata, nullableStr, str } from '../form.js';
import { cardJson, deletedJson, type Json } from '../objects.js';
import { listObject, newestFirst, pageParams, paginate } from '../pagination.js';
import { pathParam, type RequestContext } from '../router.js';
import type { CardRecord } from '../store.js';
import { cardFromSourceParam, customerCard, customerInPath, removeCard, saveCard } from './common.js';

/**
 * Cards saved on a customer: /v1/customers/:customer/sources and the older
 * /v1/customers/:customer/cards (which also takes its card as `card`).
 */

export function createSource(ctx: RequestContext): Json {
  const customer = customerInPath(ctx, pathParam(ctx, 'customer'));
  const { params } = ctx;
  const param = params.source === undefined && params.card !== undefined ? 'card' : 'source';
  const pending = cardFromSourceParam(ctx, params[param], param);
  const metadata = applyMetadata({}, params);
  return cardJson(saveCard(ctx, customer, pending, metadata));
}

export function retrieveSource(ctx: RequestContext): Json {
  const customer = customerInPath(ctx, pathParam(ctx, 'customer'));
  return cardJson(customerCard(ctx, customer, pathParam(ctx, 'id')));
}

export function updateSource(ctx: RequestContext): Json {
  const customer = customerInPath(ctx, pathParam(ctx, 'customer'));
  const card = customerCard(ctx, customer, pathParam(ctx, 'id'));
  const { params } = ctx;
  // Validate everything before changing anything.
  const expiry = updatedExpiry(params, card.facts);
  const metadata = applyMetadata(card.metadata, params);
  const holder: Partial<Pick<CardRecord, (typeof HOLDER_FIELDS)[number]>> = {};
  for (const field of HOLDER_FIELDS) {
    const value = nullableStr(params, field);
    if (value !== undefined) holder[field] = value;
  }
  Object.assign(card, holder);
  card.facts = { ...card.facts, ...expiry };
  card.metadata = metadata;
  return cardJson(card);
}

export function deleteSource(ctx: RequestContext): Json {
  const customer = customerInPath(ctx, pathParam(ctx, 'customer'));
  const card = customerCard(ctx, customer, pathParam(ctx, 'id'));
  removeCard(ctx.space, customer, card);
  return deletedJson(card.id, 'card');
}

export function listSources(ctx: RequestContext): Json {
  const customer = customerInPath(ctx, pathParam(ctx, 'customer'));
  const page = pageParams(ctx.params);
  const object = str(ctx.params, 'object');
  const cards =
    object && object !== 'card'
      ? []
      : newestFirst(
          customer.cardIds
            .map((id) => ctx.space.cards.get(id))
            .filter((c): c is CardRecord => c !== undefined),
        );
  const { data, has_more } = paginate(cards, page, 'source');
  return listObject(ctx.path, data.map(cardJson), has_more);
}
