/** Public surface of `@cas/store`: the durable store behind core's repository ports. */
export { createStore, defaultDataDir, SQLITE_FILE_NAME, storeOptionsFrom } from './create-store.js';
export type { DurableStore, StoreEnvironment, StoreOptions } from './create-store.js';
export { databaseKind } from './dialects.js';
export type { DatabaseKind } from './dialects.js';
export { ENCRYPTION_KEY_VARIABLE, ensureLocalEncryptionKey } from './local-encryption-key.js';
export { SecretCipher, SecretDecryptionError } from './secret-cipher.js';
export type { SecretCipherOptions } from './secret-cipher.js';
export { StoreError } from './store-error.js';
export type { StoreErrorCode } from './store-error.js';
