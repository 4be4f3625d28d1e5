import { z } from 'zod';
import { idSchema } from '../ids.js';
import { bothCursorsMessage, listOutput, noBothCursors, paginationInput } from '../pagination.js';
import { freeText, freeTextEmail } from '../text.js';

const name = freeText().trim().max(50);

export const customerDto = z.strictObject({
  id: idSchema,
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  email: z.string().nullable(),
  companyName: z.string().nullable(),
  reference: z.string().nullable(),
  createdDate: z.string(),
  modifiedDate: z.string(),
});
export type CustomerDto = z.infer<typeof customerDto>;

const customerFields = {
  firstName: name.nullable().optional(),
  lastName: name.nullable().optional(),
  email: freeTextEmail().max(255).nullable().optional(),
  companyName: freeText().trim().max(255).nullable().optional(),
  /** The caller's own reference for this customer (unique per tenant). */
  reference: freeText().trim().min(1).max(255).nullable().optional(),
};

export const createCustomerInput = z.strictObject(customerFields);
export type NewCustomerInput = z.infer<typeof createCustomerInput>;

export const updateCustomerInput = z.strictObject({ id: idSchema, ...customerFields });
export type UpdateCustomerInput = z.infer<typeof updateCustomerInput>;

export const getCustomerInput = z.strictObject({ id: idSchema });

export const listCustomersInput = z
  .strictObject({ ...paginationInput })
  .refine(noBothCursors, bothCursorsMessage);
export type ListCustomersInput = z.infer<typeof listCustomersInput>;

export const customerList = listOutput(customerDto);
