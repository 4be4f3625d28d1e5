import {
  bracketed,
  emptyHolder,
  factsForTestNumber,
  factsFromFields,
  holderFields,
  newCardRecord,
} from '../cards.js';
import { invalidRequest, resourceMissing } from '../errors.js';
import { obj } from '../form.js';
import { nowSeconds } from '../ids.js';
import { type Json, tokenJson } from '../objects.js';
import { pathParam, type RequestContext } from '../router.js';
import type { TokenRecord } from '../store.js';
import { magicTokenNumber } from '../test-cards.js';

export function createToken(ctx: RequestContext): Json {
  const { params, space, store } = ctx;
  if (typeof params.card === 'string' && params.card !== '') {
    throw invalidRequest(
      'Creating a token from a saved card (card=card_…) is not supported by the emulator; pass card[number], card[exp_month], card[exp_year].',
      'card',
    );
  }
  const card = obj(params, 'card');
  if (!card) {
    throw invalidRequest(
      'You must supply either a card, customer, PII data, bank account, or account legal entity to create a token.',
    );
  }
  const name = bracketed('card');
  const facts = factsFromFields(card, name, space);
  const token: TokenRecord = {
    id: store.newId('tok'),
    seq: store.nextSeq(),
    created: nowSeconds(),
    used: false,
    card: newCardRecord(store, facts, holderFields(card, name)),
  };
  space.tokens.set(token.id, token);
  return tokenJson(token, space.livemode);
}

export function retrieveToken(ctx: RequestContext): Json {
  const id = pathParam(ctx, 'token');
  const stored = ctx.space.tokens.get(id);
  if (stored) return tokenJson(stored, ctx.space.livemode);
  const magic = magicTokenNumber(id);
  if (!magic) throw resourceMissing('token', id, 'token');
  const card = newCardRecord(ctx.store, factsForTestNumber(magic, ctx.space), emptyHolder());
  return tokenJson({ id, seq: card.seq, created: card.created, used: false, card }, ctx.space.livemode);
}
