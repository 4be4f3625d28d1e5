import {
  createCustomerInput,
  customerDto,
  customerList,
  getCustomerInput,
  listCustomersInput,
  updateCustomerInput,
} from '@cardbridge/core';
import * as customers from '../services/customers.js';
import { protectedProcedure, router } from '../trpc.js';

export const customersRouter = router({
  create: protectedProcedure
    .input(createCustomerInput)
    .output(customerDto)
    .mutation(({ ctx, input }) => customers.createCustomer(ctx.deps, ctx.principal, input)),
  get: protectedProcedure
    .input(getCustomerInput)
    .output(customerDto)
    .query(({ ctx, input }) => customers.getCustomer(ctx.deps, ctx.principal, input)),
  list: protectedProcedure
    .input(listCustomersInput)
    .output(customerList)
    .query(({ ctx, input }) => customers.listCustomers(ctx.deps, ctx.principal, input)),
  update: protectedProcedure
    .input(updateCustomerInput)
    .output(customerDto)
    .mutation(({ ctx, input }) => customers.updateCustomer(ctx.deps, ctx.principal, input)),
});
