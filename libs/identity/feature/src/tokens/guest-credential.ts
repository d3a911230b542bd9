import { Secret } from '@parley/config';
import type { CredentialStore } from '@parley/identity-credential-vault';
import type { Sql } from '../http/sql';
import { credentialKeys } from './credential-keys';

/** A guest's home account credential, sealed as one value so the UPN and its password cannot drift apart. */
export interface GuestCredential {
  readonly userPrincipalName: string;
  readonly password: Secret;
}

export async function readGuestCredential(credentials: CredentialStore, db: Sql, orgId: string, personId: string): Promise<GuestCredential | null> {
  const stored = await credentials.get(db, credentialKeys.guestHomePassword(orgId, personId));
  if (!stored) return null;
  const value = JSON.parse(stored.plaintext.reveal()) as { userPrincipalName?: unknown; password?: unknown };
  if (typeof value.userPrincipalName !== 'string' || typeof value.password !== 'string') {
    throw new Error(`the guest home credential of person ${personId} in ${orgId} is not in the expected form`);
  }
  return { userPrincipalName: value.userPrincipalName, password: new Secret(value.password) };
}

export async function writeGuestCredential(credentials: CredentialStore, db: Sql, orgId: string, personId: string, credential: GuestCredential): Promise<void> {
  const plaintext = new Secret(JSON.stringify({ userPrincipalName: credential.userPrincipalName, password: credential.password.reveal() }));
  await credentials.put(db, { ...credentialKeys.guestHomePassword(orgId, personId), plaintext });
}
