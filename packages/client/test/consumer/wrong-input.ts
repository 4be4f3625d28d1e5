// Must not compile: a payment method list takes a numeric customerId.
import { createCardbridgeClient, type RouterInputs } from '@cardbridge/client';

const cardbridge = createCardbridgeClient({ url: 'http://localhost:3000', apiKey: 'cbk_example' });

export const inline = cardbridge.paymentMethods.list.query({ customerId: 'x' });

const input = { customerId: 'x', limit: 10 };
export const passed = cardbridge.paymentMethods.list.query(input);

export const typed: RouterInputs['paymentMethods']['list'] = { customerId: 'x' };
