import { z } from 'zod';

/** Our ids are positive 32-bit integers (PostgreSQL integer identity columns). */
export const idSchema = z.number().int().positive().max(2_147_483_647);
