import type { PaymentMethodExportDto } from './card-intake-schemas.js';

export interface PaymentMethodExportRecord {
  id: number;
  paymentMethodId: number;
  gatewayAccountId: number;
  status: PaymentMethodExportDto['status'];
  externalCustomerId: string | null;
  externalCardId: string | null;
  error: string | null;
  createdAt: Date;
  modifiedAt: Date;
}

export const toExportDto = (r: PaymentMethodExportRecord): PaymentMethodExportDto => ({
  id: r.id,
  paymentMethodId: r.paymentMethodId,
  gatewayAccountId: r.gatewayAccountId,
  status: r.status,
  externalCustomerId: r.externalCustomerId,
  externalCardId: r.externalCardId,
  error: r.error,
  createdDate: r.createdAt.toISOString(),
  modifiedDate: r.modifiedAt.toISOString(),
});
