export {
  type CardType,
  type CardTypeInfo,
  type CardTypeMatch,
  cardTypeInfo,
  cardTypes,
  detectCardType,
  isCardType,
  matchCardType,
} from './brand.js';
export { Cvv } from './cvv.js';
export {
  type Clock,
  type Expiry,
  expiresAt,
  isExpired,
  lastValidDay,
  parseExpiry,
  systemClock,
  toYY,
} from './expiry.js';
export {
  type ExpiryWindow,
  type ExpiryWindowText,
  type ExpiryWindowUnit,
  expiryCutoff,
  expiryWindowHelp,
  expiryWindowUnits,
  formatExpiryWindow,
  isoDate,
  lastExpiryMonthBy,
  type ParsedExpiryWindow,
  parseExpiryWindow,
} from './expiry-window.js';
export {
  deriveTenantFingerprintKey,
  FINGERPRINT_KEY_BYTES,
  fingerprintKeyInfo,
  fingerprintPan,
} from './fingerprint.js';
export { isLuhnValid, luhnCheckDigit } from './luhn.js';
export {
  containsCardNumber,
  MASK_CHAR,
  maskCardNumber,
  maskFromLast4,
  scrubCardNumbers,
  typicalPanLength,
} from './mask.js';
export { Pan } from './pan.js';
export { isSecret, SECRET_SERIALISATION_MESSAGE, Secret } from './secret.js';
