import { runGatewayContract } from '../../src/gateway/contract.js';
import { TestGateway } from '../../src/gateway/index.js';

runGatewayContract('test gateway', async () => ({
  gateway: new TestGateway(),
  tokens: {
    visa: 'tok_visa',
    declined: 'tok_chargeDeclined',
    chargeDeclines: 'tok_chargeCustomerFail',
    paymentMethod: 'pm_card_visa',
  },
  teardown: async () => {},
}));
