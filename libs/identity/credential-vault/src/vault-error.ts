/** Why the vault refused; callers branch on this, operators read the message. */
export type VaultErrorReason =
  | 'invalid-keyring'
  | 'invalid-context'
  | 'empty-secret'
  | 'malformed'
  | 'unsupported-version'
  | 'unknown-key'
  | 'authentication-failed'
  | 'storage';

/**
 * Every failure of the vault. Messages are built only from validated key ids, org ids, owner ids and purposes, never
 * from plaintext, key material or the sealed text, so the error can be logged and reported as it is.
 */
export class VaultError extends Error {
  constructor(
    readonly reason: VaultErrorReason,
    message: string,
    /** PostgreSQL's SQLSTATE when reason is 'storage', so callers can tell a conflict from an outage. */
    readonly sqlState?: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}
