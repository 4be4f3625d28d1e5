import { router } from '../trpc.js';
import { apiKeysRouter } from './api-keys.js';
import { customersRouter } from './customers.js';
import { paymentMethodsRouter } from './payment-methods.js';
import { tenantsRouter } from './tenants.js';

export const appRouter = router({
  tenants: tenantsRouter,
  apiKeys: apiKeysRouter,
  customers: customersRouter,
  paymentMethods: paymentMethodsRouter,
});

export type AppRouter = typeof appRouter;
