import { listAccounts, retrieveAccount, retrieveOwnAccount } from './handlers/accounts.js';
import {
  createCustomer,
  deleteCustomer,
  listCustomers,
  retrieveCustomer,
  searchCustomers,
  updateCustomer,
} from './handlers/customers.js';
import {
  attachPaymentMethod,
  createPaymentMethod,
  detachPaymentMethod,
  listCustomerPaymentMethods,
  listPaymentMethods,
  retrieveCustomerPaymentMethod,
  retrievePaymentMethod,
  updatePaymentMethod,
} from './handlers/payment-methods.js';
import {
  confirmPaymentIntent,
  createCharge,
  createPaymentIntent,
  listCharges,
  listPaymentIntents,
  retrieveCharge,
  retrievePaymentIntent,
  searchCharges,
  searchPaymentIntents,
} from './handlers/payments.js';
import { createRefund, listRefunds, retrieveRefund } from './handlers/refunds.js';
import { createSource, deleteSource, listSources, retrieveSource, updateSource } from './handlers/sources.js';
import { createToken, retrieveToken } from './handlers/tokens.js';
import { Router } from './router.js';

/** Every /v1 endpoint the emulator answers; `search` routes come before `:id` ones. */
export function createRouter(): Router {
  const router = new Router()
    .on('GET', '/v1/account', retrieveOwnAccount)
    .on('GET', '/v1/accounts', listAccounts)
    .on('GET', '/v1/accounts/:account', retrieveAccount)
    .on('POST', '/v1/customers', createCustomer)
    .on('GET', '/v1/customers', listCustomers)
    .on('GET', '/v1/customers/search', searchCustomers)
    .on('GET', '/v1/customers/:customer', retrieveCustomer)
    .on('POST', '/v1/customers/:customer', updateCustomer)
    .on('DELETE', '/v1/customers/:customer', deleteCustomer)
    .on('GET', '/v1/customers/:customer/payment_methods', listCustomerPaymentMethods)
    .on('GET', '/v1/customers/:customer/payment_methods/:payment_method', retrieveCustomerPaymentMethod);
  for (const collection of ['sources', 'cards']) {
    router
      .on('POST', `/v1/customers/:customer/${collection}`, createSource)
      .on('GET', `/v1/customers/:customer/${collection}`, listSources)
      .on('GET', `/v1/customers/:customer/${collection}/:id`, retrieveSource)
      .on('POST', `/v1/customers/:customer/${collection}/:id`, updateSource)
      .on('DELETE', `/v1/customers/:customer/${collection}/:id`, deleteSource);
  }
  return router
    .on('POST', '/v1/tokens', createToken)
    .on('GET', '/v1/tokens/:token', retrieveToken)
    .on('POST', '/v1/payment_methods', createPaymentMethod)
    .on('GET', '/v1/payment_methods', listPaymentMethods)
    .on('GET', '/v1/payment_methods/:payment_method', retrievePaymentMethod)
    .on('POST', '/v1/payment_methods/:payment_method', updatePaymentMethod)
    .on('POST', '/v1/payment_methods/:payment_method/attach', attachPaymentMethod)
    .on('POST', '/v1/payment_methods/:payment_method/detach', detachPaymentMethod)
    .on('POST', '/v1/charges', createCharge)
    .on('GET', '/v1/charges', listCharges)
    .on('GET', '/v1/charges/search', searchCharges)
    .on('GET', '/v1/charges/:charge', retrieveCharge)
    .on('POST', '/v1/payment_intents', createPaymentIntent)
    .on('GET', '/v1/payment_intents', listPaymentIntents)
    .on('GET', '/v1/payment_intents/search', searchPaymentIntents)
    .on('GET', '/v1/payment_intents/:intent', retrievePaymentIntent)
    .on('POST', '/v1/payment_intents/:intent/confirm', confirmPaymentIntent)
    .on('POST', '/v1/refunds', createRefund)
    .on('GET', '/v1/refunds', listRefunds)
    .on('GET', '/v1/refunds/:refund', retrieveRefund);
}

/** Endpoints a publishable key may call (Stripe.js creates tokens and PaymentMethods with one). */
export const PUBLISHABLE_ENDPOINTS = new Set(['POST /v1/tokens', 'POST /v1/payment_methods']);
