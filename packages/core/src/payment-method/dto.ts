import { isExpired, lastValidDay } from '../card/expiry.js';
import { isoDate } from '../card/expiry-window.js';
import type { ExpiringPaymentMethodDto } from './expiring-schemas.js';
import type { PaymentMethodRecord } from './model.js';
import type { PaymentMethodDto } from './schemas.js';

/** The one mapper from our stored row to the DTO: an allow-list, field by field. */
export function toPaymentMethodDto(r: PaymentMethodRecord): PaymentMethodDto {
  return {
    id: r.id,
    customerId: r.customerId,
    maskedCardNumber: r.maskedCardNumber,
    cardType: r.cardType,
    expirationMonth: r.expirationMonth,
    expirationYear: r.expirationYear % 100,
    firstName: r.firstName,
    lastName: r.lastName,
    address1: r.address1,
    address2: r.address2,
    countryId: r.countryId,
    country: r.country,
    stateId: r.stateId,
    state: r.state,
    city: r.city,
    postalZip: r.postalZip,
    isDefault: r.isDefault,
    externalCustomerId: r.externalCustomerId,
    externalCardId: r.externalCardId,
    storedInVault: r.storedInVault,
    email: r.email,
    modifiedDate: r.modifiedAt.toISOString(),
    originalPaymentMethodId: r.originalPaymentMethodId,
    uri: null,
    gatewayAccountId: r.gatewayAccountId,
    status: r.status,
    fingerprint: r.fingerprint,
    createdDate: r.createdAt.toISOString(),
  };
}

/** The DTO above plus when the card stops working, as of `now`. */
export function toExpiringPaymentMethodDto(r: PaymentMethodRecord, now: Date): ExpiringPaymentMethodDto {
  const expiry = { month: r.expirationMonth, year4: r.expirationYear };
  return {
    ...toPaymentMethodDto(r),
    expiresOn: isoDate(lastValidDay(expiry)),
    expired: isExpired(expiry, now),
  };
}
