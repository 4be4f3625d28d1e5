import type { PaymentMethodStatus } from './schemas.js';

/** What a stored payment method looks like to the domain (the db row satisfies it). */
export interface PaymentMethodRecord {
  id: number;
  tenantId: number;
  customerId: number;
  gatewayAccountId: number | null;
  status: PaymentMethodStatus;
  originalPaymentMethodId: number | null;
  externalCustomerId: string | null;
  externalCardId: string | null;
  storedInVault: boolean;
  fingerprint: string | null;
  cardType: string;
  maskedCardNumber: string;
  expirationMonth: number;
  /** Four-digit year. */
  expirationYear: number;
  firstName: string;
  lastName: string;
  address1: string;
  address2: string;
  countryId: number | null;
  country: string;
  stateId: number | null;
  state: string;
  city: string;
  postalZip: string;
  email: string | null;
  isDefault: boolean;
  createdAt: Date;
  modifiedAt: Date;
}
