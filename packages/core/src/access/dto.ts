import type { ApiKeyDto, Scope, TenantDto } from './schemas.js';

export interface TenantRecord {
  id: number;
  name: string;
  createdAt: Date;
}

export interface ApiKeyRecord {
  id: number;
  keyId: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export const toTenantDto = (r: TenantRecord): TenantDto => ({
  id: r.id,
  name: r.name,
  createdDate: r.createdAt.toISOString(),
});

/** The key's public id only (`cbk_<id>`): the secret is shown once, at creation, never here. */
export const toApiKeyDto = (r: ApiKeyRecord): ApiKeyDto => ({
  id: r.id,
  keyId: `cbk_${r.keyId}`,
  name: r.name,
  scopes: r.scopes as Scope[],
  createdDate: r.createdAt.toISOString(),
  revokedDate: r.revokedAt?.toISOString() ?? null,
  lastUsedDate: r.lastUsedAt?.toISOString() ?? null,
});
