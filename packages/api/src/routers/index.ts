import { router } from '../trpc.js';
import { apiKeysRouter } from './api-keys.js';
import { customersRouter } from './customers.js';
import { gatewayAccountsRouter } from './gateway-accounts.js';
import { migrationsRouter } from './migrations.js';
import { paymentMethodsRouter } from './payment-methods.js';
import { tenantsRouter } from './tenants.js';
import { vaultRouter } from './vault.js';

export const appRouter = router({
  tenants: tenantsRouter,
  apiKeys: apiKeysRouter,
  customers: customersRouter,
  gatewayAccounts: gatewayAccountsRouter,
  paymentMethods: paymentMethodsRouter,
  migrations: migrationsRouter,
  vault: vaultRouter,
});

export type AppRouter = typeof appRouter;
