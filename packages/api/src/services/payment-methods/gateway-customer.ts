import { createHash } from 'node:crypto';
import { alpha2FromCountryId, DomainError, type GatewayAddress, type PaymentGateway } from '@cardbridge/core';
import { findGatewayCustomer, type GatewayAccountRow, rememberGatewayCustomer } from '@cardbridge/db';
import type { AppDeps } from '../../context.js';
import { requireCustomer } from '../customers.js';

/**
 * Our customer's customer at a gateway: created on first use and remembered. Its idempotency
 * key is derived from (tenant, customer, account) on purpose: there is exactly one gateway
 * customer per customer and account, so two racing first uses get the same one.
 */
export async function gatewayCustomerFor(
  deps: AppDeps,
  tenantId: number,
  customerId: number,
  account: GatewayAccountRow,
  gateway: PaymentGateway,
): Promise<string> {
  const known = await findGatewayCustomer(deps.db, tenantId, customerId, account.id);
  if (known) return known;
  const customer = await requireCustomer(deps.db, tenantId, customerId);
  const name = [customer.firstName, customer.lastName].filter(Boolean).join(' ') || null;
  const key = createHash('sha256').update(`customer\0${tenantId}\0${customerId}\0${account.id}`);
  const { externalCustomerId } = await gateway.createCustomer({
    email: customer.email,
    name,
    metadata: { cardbridge_tenant_id: String(tenantId), cardbridge_customer_id: String(customerId) },
    idempotencyKey: `cb_${key.digest('base64url').slice(0, 40)}`,
  });
  return rememberGatewayCustomer(deps.db, tenantId, {
    customerId,
    gatewayAccountId: account.id,
    externalCustomerId,
  });
}

export function addressPatch(input: {
  address1?: string | null | undefined;
  address2?: string | null | undefined;
  city?: string | null | undefined;
  state?: string | null | undefined;
  postalZip?: string | null | undefined;
  countryId?: number | null | undefined;
}): Partial<GatewayAddress> {
  const patch: Partial<GatewayAddress> = {};
  if (input.address1 != null) patch.line1 = input.address1;
  if (input.address2 != null) patch.line2 = input.address2;
  if (input.city != null) patch.city = input.city;
  if (input.state != null) patch.state = input.state;
  if (input.postalZip != null) patch.postalCode = input.postalZip;
  if (input.countryId !== undefined) {
    const alpha2 = alpha2FromCountryId(input.countryId);
    if (input.countryId !== null && !alpha2)
      throw DomainError.field('countryId', 'unknown ISO 3166-1 numeric code');
    patch.country = alpha2;
  }
  return patch;
}

/** The cardholder name to send, from a first/last name patch over the current row. */
export function nameOf(
  firstName: string | undefined,
  lastName: string | undefined,
  current?: { firstName: string; lastName: string },
) {
  if (firstName === undefined && lastName === undefined) return undefined;
  return (
    [firstName ?? current?.firstName ?? '', lastName ?? current?.lastName ?? ''].join(' ').trim() || null
  );
}
