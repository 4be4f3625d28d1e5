import {
  cardWriteResult,
  createCardInput,
  createFromTokenInput,
  deletedPaymentMethodDto,
  deletePaymentMethodInput,
  expiringPaymentMethodList,
  expiringPaymentMethodsInput,
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
import * as paymentMethods from '../services/payment-methods/index.js';
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
  /** Active cards expiring on or before now + `within` (expired ones too), soonest first. */
  expiring: protectedProcedure
    .input(expiringPaymentMethodsInput)
    .output(expiringPaymentMethodList)
    .query(({ ctx, input }) => paymentMethods.listExpiringPaymentMethods(ctx.deps, ctx.principal, input)),
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
    .mutation(({ ctx, input }) => paymentMethods.importStripeCard(ctx.deps, ctx.principal, input)),
  importStripeConnectCard: protectedProcedure
    .input(importStripeCardInput)
    .output(cardWriteResult)
    .mutation(({ ctx, input }) => paymentMethods.importStripeConnectCard(ctx.deps, ctx.principal, input)),
  createFromToken: protectedProcedure
    .input(createFromTokenInput)
    .output(cardWriteResult)
    .mutation(({ ctx, input }) => paymentMethods.createFromToken(ctx.deps, ctx.principal, input)),
  update: protectedProcedure
    .input(updatePaymentMethodInput)
    .output(paymentMethodDto)
    .mutation(({ ctx, input }) => paymentMethods.updatePaymentMethodDetails(ctx.deps, ctx.principal, input)),
  /** PCI path: a card from its full number into our vault (scope cards:intake). */
  createCard: protectedProcedure
    .input(createCardInput)
    .output(cardWriteResult)
    .mutation(({ ctx, input }) => paymentMethods.createCard(ctx.deps, ctx.principal, input)),
  /** PCI path: Fusebill API "Replace credit card" (scope cards:intake). */
  replaceCreditCard: protectedProcedure
    .input(replaceCreditCardInput)
    .output(cardWriteResult)
    .mutation(({ ctx, input }) => paymentMethods.replaceCreditCard(ctx.deps, ctx.principal, input)),
  /** Chargebee API "Export a payment source" (scope cards:export). */
  export: protectedProcedure
    .input(exportPaymentMethodInput)
    .output(paymentMethodExportDto)
    .mutation(({ ctx, input }) => paymentMethods.exportPaymentMethod(ctx.deps, ctx.principal, input)),
});
