import type { Scope } from '@cardbridge/core';

/**
 * The one table of which scope each procedure needs. The auth middleware reads it (a
 * procedure missing from it is refused: fail closed) and a test runs a matrix over it.
 */
export const procedureScopes = {
  'tenants.create': 'platform',
  'apiKeys.create': 'admin',
  'apiKeys.list': 'admin',
  'apiKeys.revoke': 'admin',
  'gatewayAccounts.create': 'admin',
  'gatewayAccounts.disable': 'admin',
  'gatewayAccounts.list': 'read',
  'gatewayAccounts.get': 'read',
  'customers.create': 'write',
  'customers.update': 'write',
  'customers.get': 'read',
  'customers.list': 'read',
  'paymentMethods.get': 'read',
  'paymentMethods.list': 'read',
  'paymentMethods.expiring': 'read',
  'paymentMethods.setDefault': 'write',
  'paymentMethods.delete': 'write',
  'paymentMethods.update': 'write',
  'paymentMethods.createFromToken': 'write',
  'paymentMethods.importStripeCard': 'imports',
  'paymentMethods.importStripeConnectCard': 'imports',
  'paymentMethods.createCard': 'cards:intake',
  'paymentMethods.replaceCreditCard': 'cards:intake',
  'paymentMethods.export': 'cards:export',
  'migrations.create': 'imports',
  'migrations.get': 'imports',
  'migrations.list': 'imports',
  'migrations.items': 'imports',
  'migrations.pause': 'imports',
  'migrations.resume': 'imports',
  'migrations.cancel': 'imports',
  'vault.rotateKey': 'admin',
  'vault.reencrypt': 'admin',
} as const satisfies Record<string, Scope>;

export type ProcedurePath = keyof typeof procedureScopes;

/**
 * Operations whose request or answer is a byte stream, served by the HTTP host rather than by a
 * procedure (stream-operations.ts): a job's source file going up, its report or id map coming
 * down. The same `authorize` checks them against this table; a REST test runs the matrix.
 */
export const streamOperationScopes = {
  'migrations.uploadFile': 'imports',
  'migrations.download': 'imports',
} as const satisfies Record<string, Scope>;

export type StreamOperation = keyof typeof streamOperationScopes;

/** Wider scopes that include a narrower one. Card intake, export and platform are never implied. */
const impliedBy: Partial<Record<Scope, Scope[]>> = {
  read: ['write', 'admin'],
  write: ['admin'],
  imports: ['admin'],
};

export function grants(keyScopes: readonly string[], required: Scope): boolean {
  if (keyScopes.includes(required)) return true;
  return (impliedBy[required] ?? []).some((s) => keyScopes.includes(s));
}

const scopeOf: Readonly<Record<string, Scope>> = { ...procedureScopes, ...streamOperationScopes };

export function requiredScope(path: string): Scope | undefined {
  return Object.hasOwn(scopeOf, path) ? scopeOf[path] : undefined;
}
