/*
 * The payment-method aggregate's one write pipeline: one entry per operation, each taking an
 * Actor (an API key or a job). Inside: intake (card numbers), duplicates (policy under the
 * customer's lock), gateway-steps and recovery (durable gateway intents), rows (persistence
 * and the default-card rules). Every change records its audit row in its own transaction.
 */
export { deletePaymentMethod } from './delete.js';
export { exportPaymentMethod, exportRefusal } from './export.js';
export {
  decideFileCards,
  type FileCard,
  type FileCardColumns,
  type FileCardDecision,
  type FileCardRef,
  type FileCardResult,
  fileCardIntake,
  importVaultedFileCards,
  type VaultedFileCard,
  vaultFileCards,
} from './file-cards.js';
export { deletedAtGateway, driftOf, followGatewayCard } from './follow-gateway.js';
export {
  createFromToken,
  type GatewayVia,
  importListedCard,
  importStripeCard,
  importStripeConnectCard,
} from './gateway-cards.js';
export { getPaymentMethod, listExpiringPaymentMethods, listPaymentMethods } from './queries.js';
export { recoverGatewayIntents, startRecovery } from './recovery.js';
export {
  insertWithDefaultRule,
  requireEditablePaymentMethod,
  requirePaymentMethod,
  withCustomerLock,
} from './rows.js';
export { setDefaultPaymentMethod } from './set-default.js';
export { updatePaymentMethodDetails } from './update.js';
export { createCard, replaceCreditCard } from './vault-cards.js';
