import {
  type CardWriteResult,
  cardWriteResult,
  type ExpiringPaymentMethodDto,
  expiringPaymentMethodDto,
  type PaymentMethodDto,
  paymentMethodDto,
} from '@cardbridge/core';
import { z } from 'zod';

const s = paymentMethodDto.shape;

/**
 * The credit-card payment method as the REST facade returns it: the one payment method DTO
 * (same fields, same schemas) plus the seed's `storedInFusebillVault` (= `storedInVault`),
 * in the seeds' field order, followed by what cardbridge adds.
 */
export const fusebillPaymentMethodDto = z.strictObject({
  maskedCardNumber: s.maskedCardNumber,
  cardType: s.cardType,
  expirationMonth: s.expirationMonth,
  expirationYear: s.expirationYear.describe('YY'),
  customerId: s.customerId,
  firstName: s.firstName,
  lastName: s.lastName,
  address1: s.address1,
  address2: s.address2,
  countryId: s.countryId,
  country: s.country,
  stateId: s.stateId,
  state: s.state,
  city: s.city,
  postalZip: s.postalZip,
  isDefault: s.isDefault,
  externalCustomerId: s.externalCustomerId,
  externalCardId: s.externalCardId,
  storedInFusebillVault: z
    .boolean()
    .describe('Fusebill name of storedInVault: the card number is in our vault.'),
  email: s.email,
  modifiedDate: s.modifiedDate,
  originalPaymentMethodId: s.originalPaymentMethodId,
  id: s.id,
  uri: s.uri,
  storedInVault: s.storedInVault,
  gatewayAccountId: s.gatewayAccountId,
  status: s.status,
  fingerprint: s.fingerprint,
  createdDate: s.createdDate,
});
export type FusebillPaymentMethod = z.infer<typeof fusebillPaymentMethodDto>;

/** An allow-list, field by field: a new DTO field fails to compile here until it is placed. */
export function toFusebillPaymentMethod(dto: PaymentMethodDto): FusebillPaymentMethod {
  return {
    maskedCardNumber: dto.maskedCardNumber,
    cardType: dto.cardType,
    expirationMonth: dto.expirationMonth,
    expirationYear: dto.expirationYear,
    customerId: dto.customerId,
    firstName: dto.firstName,
    lastName: dto.lastName,
    address1: dto.address1,
    address2: dto.address2,
    countryId: dto.countryId,
    country: dto.country,
    stateId: dto.stateId,
    state: dto.state,
    city: dto.city,
    postalZip: dto.postalZip,
    isDefault: dto.isDefault,
    externalCustomerId: dto.externalCustomerId,
    externalCardId: dto.externalCardId,
    storedInFusebillVault: dto.storedInVault,
    email: dto.email,
    modifiedDate: dto.modifiedDate,
    originalPaymentMethodId: dto.originalPaymentMethodId,
    id: dto.id,
    uri: dto.uri,
    storedInVault: dto.storedInVault,
    gatewayAccountId: dto.gatewayAccountId,
    status: dto.status,
    fingerprint: dto.fingerprint,
    createdDate: dto.createdDate,
  } satisfies Record<keyof PaymentMethodDto | 'storedInFusebillVault', unknown>;
}

/** A card written through the PCI path: the DTO plus what duplicates it and what was collected. */
export const fusebillCardWriteResult = fusebillPaymentMethodDto.extend({
  duplicateOf: cardWriteResult.shape.duplicateOf,
  collected: cardWriteResult.shape.collected,
});

export function toFusebillCardWrite(result: CardWriteResult): z.infer<typeof fusebillCardWriteResult> {
  const { duplicateOf, collected, ...dto } = result;
  return { ...toFusebillPaymentMethod(dto), duplicateOf, collected };
}

/** A card of the expiring list: the DTO above plus when it stops working. */
export const fusebillExpiringPaymentMethodDto = fusebillPaymentMethodDto.extend({
  expiresOn: expiringPaymentMethodDto.shape.expiresOn.describe(
    'The last day the card is valid: the last day of its expiry month (UTC), as YYYY-MM-DD.',
  ),
  expired: expiringPaymentMethodDto.shape.expired.describe('Already past `expiresOn`.'),
});

export function toFusebillExpiringPaymentMethod(
  dto: ExpiringPaymentMethodDto,
): z.infer<typeof fusebillExpiringPaymentMethodDto> {
  const { expiresOn, expired, ...card } = dto;
  return { ...toFusebillPaymentMethod(card), expiresOn, expired };
}
