export {
  memorySandboxStore,
  type SandboxCollection,
  type SandboxStore,
  type SandboxTx,
} from './store.js';
export {
  type TestCard,
  type TestCardBehaviour,
  type TestDecline,
  testCardByNumber,
  testCardByToken,
  testCardNumbers,
  testCards,
  testDeclines,
  testTokens,
} from './test-cards.js';
export {
  createTestGateway,
  type FailNextOptions,
  type TestCharge,
  TestGateway,
  type TestGatewayCall,
  type TestGatewayOperation,
  type TestGatewayOptions,
} from './test-gateway.js';
