import {
  cardWriteResult,
  createCardInput,
  createFromTokenInput,
  deletedPaymentMethodDto,
  deletePaymentMethodInput,
  exportPaymentMethodInput,
  importStripeCardInput,
  listPaymentMethodsInput,
  paymentMethodDto,
  paymentMethodExportDto,
  paymentMethodIdInput,
  paymentMethodList,
  replaceCreditCardInput,
  updatePaymentMethodInput,
} from '@cardbridge/core';
import * as exportsService from '../services/exports.js';
import * as gatewayCards from '../services/gateway-cards.js';
import * as paymentMethods from '../services/payment-methods.js';
import * as vaultCards from '../services/vault-cards.js';
import { protectedProcedure, router } from '../trpc.js';

export const paymentMethodsRouter = router({
  get: protectedProcedure
    .input(paymentMethodIdInput)
    .output(paymentMethodDto)
    .query(({ ctx, input }) => paymentMethods.getPaymentMethod(ctx.deps, ctx.principal, input)),
  list: protectedProcedure
    .input(listPaymentMethodsInput)
    .output(paymentMethodList)
    .query(({ ctx, input }) => paymentMethods.listPaymentMethods(ctx.deps, ctx.principal, input)),
  setDefault: protectedProcedure
    .input(paymentMethodIdInput)
    .output(paymentMethodDto)
    .mutation(({ ctx, input }) => paymentMethods.setDefaultPaymentMethod(ctx.deps, ctx.principal, input)),
  delete: protectedProcedure
    .input(deletePaymentMethodInput)
    .output(deletedPaymentMethodDto)
    .mutation(({ ctx, input }) => paymentMethods.deletePaymentMethod(ctx.deps, ctx.principal, input)),
  importStripeCard: protectedProcedure
    .input(importStripeCardInput)
    .output(cardWriteResult)
    .mutation(({ ctx, input }) => gatewayCards.importStripeCard(ctx.deps, ctx.principal, input)),
  importStripeConnectCard: protectedProcedure
    .input(importStripeCardInput)
    .output(cardWriteResult)
    .mutation(({ ctx, input }) => gatewayCards.importStripeConnectCard(ctx.deps, ctx.principal, input)),
  createFromToken: protectedProcedure
    .input(createFromTokenInput)
    .output(cardWriteResult)
    .mutation(({ ctx, input }) => gatewayCards.createFromToken(ctx.deps, ctx.principal, input)),
  update: protectedProcedure
    .input(updatePaymentMethodInput)
    .output(paymentMethodDto)
    .mutation(({ ctx, input }) => gatewayCards.updatePaymentMethodDetails(ctx.deps, ctx.principal, input)),
  /** PCI path: a card from its full number into our vault (scope cards:intake). */
  createCard: protectedProcedure
    .input(createCardInput)
    .output(cardWriteResult)
    .mutation(({ ctx, input }) => vaultCards.createCard(ctx.deps, ctx.principal, input)),
  /** PCI path: `seeds/fusebill-replace-credit-card.txt` (scope cards:intake). */
  replaceCreditCard: protectedProcedure
    .input(replaceCreditCardInput)
    .output(cardWriteResult)
    .mutation(({ ctx, input }) => vaultCards.replaceCreditCard(ctx.deps, ctx.principal, input)),
  /** `seeds/chargebee-export-payment-source.txt` (scope cards:export). */
  export: protectedProcedure
    .input(exportPaymentMethodInput)
    .output(paymentMethodExportDto)
    .mutation(({ ctx, input }) => exportsService.exportPaymentMethod(ctx.deps, ctx.principal, input)),
});
