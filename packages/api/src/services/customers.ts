import {
  type CustomerDto,
  DomainError,
  type NewCustomerInput,
  notFound,
  type Page,
  type PageRequest,
  scrubCardNumbers,
  toCustomerDto,
  type UpdateCustomerInput,
} from '@cardbridge/core';
import {
  type Db,
  getCustomer as getCustomerRow,
  insertCustomer,
  isUniqueViolation,
  listCustomers as listCustomerRows,
  updateCustomer as updateCustomerRow,
} from '@cardbridge/db';
import type { Actor } from '../actor.js';
import type { AppDeps } from '../context.js';
import { recordChange } from './audit.js';

/** Input validation refuses a card number in `reference`; the scrub is a second line of defence. */
function referenceTaken(reference: string | null | undefined) {
  const shown = scrubCardNumbers(String(reference));
  return new DomainError('CONFLICT', `A customer with reference '${shown}' already exists.`, {
    issues: [{ path: 'reference', message: 'already used by another customer' }],
  });
}

/** Loads a customer of the caller's tenant or throws the seed's 404. */
export async function requireCustomer(db: Db, tenantId: number, id: number) {
  const row = await getCustomerRow(db, tenantId, id);
  if (!row) throw notFound.customer(id);
  return row;
}

export async function createCustomer(
  deps: AppDeps,
  actor: Actor,
  input: NewCustomerInput,
): Promise<CustomerDto> {
  try {
    return await deps.db.transaction(async (tx) => {
      const row = await insertCustomer(tx, actor.tenantId, input);
      const event = { action: 'customers.create', targetType: 'customers', targetId: row.id };
      return recordChange(tx, actor, event, toCustomerDto(row));
    });
  } catch (err) {
    if (isUniqueViolation(err, 'customers_tenant_reference_key')) throw referenceTaken(input.reference);
    throw err;
  }
}

export async function getCustomer(deps: AppDeps, actor: Actor, input: { id: number }): Promise<CustomerDto> {
  return toCustomerDto(await requireCustomer(deps.db, actor.tenantId, input.id));
}

export async function updateCustomer(
  deps: AppDeps,
  actor: Actor,
  input: UpdateCustomerInput,
): Promise<CustomerDto> {
  const { id, ...fields } = input;
  try {
    return await deps.db.transaction(async (tx) => {
      const row = await updateCustomerRow(tx, actor.tenantId, id, fields);
      if (!row) throw notFound.customer(id);
      const event = { action: 'customers.update', targetType: 'customers', targetId: row.id };
      return recordChange(tx, actor, event, toCustomerDto(row));
    });
  } catch (err) {
    if (isUniqueViolation(err, 'customers_tenant_reference_key')) throw referenceTaken(fields.reference);
    throw err;
  }
}

export async function listCustomers(
  deps: AppDeps,
  actor: Actor,
  input: PageRequest,
): Promise<Page<CustomerDto>> {
  const page = await listCustomerRows(deps.db, actor.tenantId, input);
  return { data: page.data.map(toCustomerDto), hasMore: page.hasMore };
}
