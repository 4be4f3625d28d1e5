import {
  type ListPaymentMethodsInput,
  notFound,
  type Page,
  type PaymentMethodDto,
  toPaymentMethodDto,
} from '@cardbridge/core';
import { listCustomerPaymentMethods } from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { requirePaymentMethod } from './rows.js';

export async function getPaymentMethod(
  deps: AppDeps,
  actor: Actor,
  input: { id: number },
): Promise<PaymentMethodDto> {
  return toPaymentMethodDto(await requirePaymentMethod(deps.db, actor.tenantId, input.id));
}

export async function listPaymentMethods(
  deps: AppDeps,
  actor: Actor,
  input: ListPaymentMethodsInput,
): Promise<Page<PaymentMethodDto>> {
  // The customer's check and its cards in one round trip: undefined is an unknown customer.
  const page = await listCustomerPaymentMethods(deps.db, actor.tenantId, input);
  if (!page) throw notFound.customer(input.customerId);
  return { data: page.data.map(toPaymentMethodDto), hasMore: page.hasMore };
}
