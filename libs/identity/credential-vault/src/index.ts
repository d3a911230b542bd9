export { VaultError, type VaultErrorReason } from './vault-error';
export { KEY_BYTES, KEY_ID_PATTERN } from './keys/vault-key';
export { VaultKeyring, type VaultKeys } from './keys/vault-keyring';
export { vaultConfigSection, type VaultConfig } from './keys/vault-config';
export { SealedSecret, SEALED_VERSION } from './sealing/sealed-secret';
export { SecretBox, type SealingContext } from './sealing/secret-box';
export { rotateAll, type ResealableRecord, type ResealableSecrets, type RotationReport } from './rotation/rotate-all';
export { type SqlExecutor } from './store/sql-executor';
export { createCredentialTables, dropCredentialTables } from './store/credential-tables';
export {
  CredentialStore,
  type Credential,
  type CredentialInput,
  type CredentialKey,
  type CredentialOwnerKind,
  type SealedCredentialRecord,
} from './store/credential-store';
