export * from './access/schemas.js';
export * from './card/index.js';
export * from './countries.js';
export * from './customer/dto.js';
export * from './customer/schemas.js';
export * from './errors.js';
export * from './gateway/index.js';
export * from './gateway-account/schemas.js';
export * from './ids.js';
export * from './pagination.js';

export * from './payment-method/card-intake-schemas.js';
export * from './payment-method/dto.js';
export * from './payment-method/from-gateway.js';
export * from './payment-method/model.js';
export * from './payment-method/schemas.js';
export * from './text.js';
export * from './vault/index.js';
