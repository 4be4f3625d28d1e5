import { runGatewayContract } from '@cardbridge/core/testing';
import { startStripeEmulator } from '../../stripe-emulator/src/index.js';
import { StripeGateway } from '../src/index.js';

/**
 * The Stripe adapter over real HTTP against the Stripe emulator: once on the platform
 * account, once on a Connect account (every call with the Stripe-Account header).
 */
const noSleep = async () => {};

for (const connectedAccountId of [undefined, 'acct_1ContractConnect']) {
  runGatewayContract(
    `stripe adapter → emulator (${connectedAccountId ? `Connect ${connectedAccountId}` : 'platform account'})`,
    async () => {
      const emulator = await startStripeEmulator();
      return {
        gateway: new StripeGateway({
          secretKey: 'sk_test_cardbridge_contract',
          apiBase: emulator.url,
          timeoutMs: 5_000,
          sleep: noSleep,
          ...(connectedAccountId ? { connectedAccountId } : {}),
        }),
        tokens: {
          visa: 'tok_visa',
          declined: 'tok_chargeDeclined',
          chargeDeclines: 'tok_chargeCustomerFail',
          paymentMethod: 'pm_card_visa',
        },
        teardown: () => emulator.close(),
      };
    },
  );
}
