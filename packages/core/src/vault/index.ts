export { open, seal } from './aead.js';
export { MasterKey } from './master-key.js';
export { aad, type DataKeyStore, type Sealed, Vault } from './vault.js';
