import type { CustomerDto } from './schemas.js';

export interface CustomerRecord {
  id: number;
  tenantId: number;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  companyName: string | null;
  reference: string | null;
  createdAt: Date;
  modifiedAt: Date;
}

export function toCustomerDto(r: CustomerRecord): CustomerDto {
  return {
    id: r.id,
    firstName: r.firstName,
    lastName: r.lastName,
    email: r.email,
    companyName: r.companyName,
    reference: r.reference,
    createdDate: r.createdAt.toISOString(),
    modifiedDate: r.modifiedAt.toISOString(),
  };
}
