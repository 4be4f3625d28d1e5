import {
  deletedPaymentMethodDto,
  deletePaymentMethodInput,
  listPaymentMethodsInput,
  paymentMethodDto,
  paymentMethodIdInput,
  paymentMethodList,
} from '@cardbridge/core';
import * as paymentMethods from '../services/payment-methods.js';
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
});
