// An internal app that installs @cardbridge/client: compiled by test/consumer.test.ts outside
// the workspace (strict, exactOptionalPropertyTypes, skipLibCheck: false, bundler and node16).
import {
  type CardbridgeClient,
  createCardbridgeClient,
  isCardbridgeClientError,
  type RouterInputs,
  type RouterOutputs,
} from '@cardbridge/client';

type NewCustomer = RouterInputs['customers']['create'];
type Customer = RouterOutputs['customers']['get'];
type PaymentMethod = RouterOutputs['paymentMethods']['list']['data'][number];

const cardbridge: CardbridgeClient = createCardbridgeClient({
  url: 'http://localhost:3000',
  apiKey: 'cbk_example',
  maxRetries: 2,
});

export async function onboard(reference: string): Promise<{ customer: Customer; cards: PaymentMethod[] }> {
  const input: NewCustomer = { firstName: 'Ada', lastName: 'Lovelace', reference };
  const created = await cardbridge.customers.create.mutate(input, { context: { idempotencyKey: reference } });
  const customer = await cardbridge.customers.get.query({ id: created.id });
  const page = await cardbridge.paymentMethods.list.query({ customerId: customer.id, limit: 10 });
  const cards = page.data.filter((pm) => pm.status === 'active');
  const first = cards[0];
  if (first !== undefined)
    console.log(`${first.cardType} ${first.maskedCardNumber} (${first.expirationMonth})`);
  return { customer, cards };
}

export function describe(error: unknown): string {
  if (!isCardbridgeClientError(error)) return String(error);
  const issues = error.data?.issues?.map((i) => `${i.path}: ${i.message}`) ?? [];
  return `${error.data?.domainCode ?? 'UNKNOWN'} (${error.data?.httpStatus}): ${error.message} ${issues.join('; ')}`;
}
