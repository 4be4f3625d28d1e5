export { cardTypeFromStripeBrand, type StripeBrandForm, stripeBrandFromCardType } from './brand.js';
export { type ClassifyContext, classifyStripeError, stripeErrorKind } from './errors.js';
export { createCheckedHttpClient, MalformedStripeBodyError } from './http-client.js';
export {
  type StripeConfig,
  type StripeCredentials,
  stripeConfig,
  stripeCredentials,
  stripeKind,
  stripeSecretKeySchema,
} from './kind.js';
export { blankToNull, mapStripeCard, mapStripeCardAddress, type StripeCardLike } from './map-card.js';
export {
  mapStripeAddress,
  mapStripePaymentMethod,
  type StripeAddressLike,
  type StripePaymentMethodLike,
} from './map-payment-method.js';
export {
  backoffDelayMs,
  DeadlineExceededError,
  defaultRetryPolicy,
  defaultSleep,
  type HttpMethod,
  isConnectionError,
  isStripeSdkError,
  newRetryStats,
  type RetryPolicy,
  type RetryStats,
  type RetryVerdict,
  retryAfterMs,
  retryVerdict,
  withDeadline,
  withRetries,
} from './retry.js';
export {
  createStripeGateway,
  redactStripeParams,
  StripeGateway,
  type StripeGatewayObserver,
  type StripeGatewayOptions,
  type StripeOperation,
  stepIdempotencyKey,
} from './stripe-gateway.js';
