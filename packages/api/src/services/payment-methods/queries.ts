import {
  type ListPaymentMethodsInput,
  type Page,
  type PaymentMethodDto,
  toPaymentMethodDto,
} from '@cardbridge/core';
import { listActivePaymentMethods } from '@cardbridge/db';
import type { Actor } from '../../actor.js';
import type { AppDeps } from '../../context.js';
import { requireCustomer } from '../customers.js';
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
  await requireCustomer(deps.db, actor.tenantId, input.customerId);
  const page = await listActivePaymentMethods(deps.db, actor.tenantId, input);
  return { data: page.data.map(toPaymentMethodDto), hasMore: page.hasMore };
}
