import { z } from 'zod';
import { idSchema } from '../ids.js';
import { freeText } from '../text.js';

/**
 * Scopes an API key can carry. `platform` creates tenants (held by the bootstrap key only);
 * `admin` manages one tenant's keys and gateway accounts; the card scopes guard the PCI paths.
 */
export const scopes = [
  'read',
  'write',
  'admin',
  'cards:intake',
  'cards:export',
  'imports',
  'platform',
] as const;
export const scopeSchema = z.enum(scopes);
export type Scope = z.infer<typeof scopeSchema>;

export const tenantDto = z.strictObject({ id: idSchema, name: z.string(), createdDate: z.string() });
export type TenantDto = z.infer<typeof tenantDto>;

export const apiKeyDto = z.strictObject({
  id: idSchema,
  keyId: z.string(),
  name: z.string(),
  scopes: z.array(scopeSchema),
  createdDate: z.string(),
  revokedDate: z.string().nullable(),
  lastUsedDate: z.string().nullable(),
});
export type ApiKeyDto = z.infer<typeof apiKeyDto>;

/** Returned once, at creation: the only time the secret is ever shown. */
export const createdApiKeyDto = z.strictObject({ apiKey: apiKeyDto, secret: z.string() });

const tenantScopes = z
  .array(scopeSchema.exclude(['platform']))
  .min(1)
  .max(scopes.length)
  .transform((s) => [...new Set(s)]);

export const createTenantInput = z.strictObject({ name: freeText().trim().min(1).max(100) });
export const createdTenantDto = z.strictObject({
  tenant: tenantDto,
  /** The new tenant's first admin key. */
  adminKey: createdApiKeyDto,
});

export const createApiKeyInput = z.strictObject({
  name: freeText().trim().min(1).max(100),
  scopes: tenantScopes,
});
export const revokeApiKeyInput = z.strictObject({ id: idSchema });
export const listApiKeysInput = z.strictObject({ includeRevoked: z.boolean().default(false) });
