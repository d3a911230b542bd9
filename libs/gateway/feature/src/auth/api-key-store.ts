import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@parley/service-runtime';
import { issueApiKey, lookupPrefixOf, matchesHash, newKeyId } from './api-keys';

export interface OrgKey {
  readonly keyId: string;
  readonly orgId: string;
}

/**
 * Organization admin API keys and the organization each one is scoped to, in `gateway.api_keys`, stored as SHA-256
 * hashes. The organizations themselves are identity's (ADR 0009): the gateway keeps only their ids here.
 */
@Injectable()
export class ApiKeyStore {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** A new admin key for the organization, in clear: the caller answers it once, only its hash is kept. */
  async issueAdminKey(orgId: string): Promise<string> {
    const issued = issueApiKey();
    await this.dataSource.query('INSERT INTO gateway.api_keys (id, org_id, lookup_prefix, key_hash, role) VALUES ($1, $2, $3, $4, $5)', [
      newKeyId(),
      orgId,
      issued.lookupPrefix,
      issued.hash,
      'admin',
    ]);
    return issued.key;
  }

  /** The org a presented key belongs to, or undefined; candidates share the clear prefix, the hash decides. */
  async resolveKey(key: string): Promise<OrgKey | undefined> {
    const rows: { id: string; org_id: string; key_hash: string }[] = await this.dataSource.query(
      'SELECT id, org_id, key_hash FROM gateway.api_keys WHERE lookup_prefix = $1 AND revoked_at IS NULL',
      [lookupPrefixOf(key)],
    );
    let found: OrgKey | undefined;
    // Every candidate is compared (no early exit), so timing says nothing about which one matched.
    for (const row of rows) if (matchesHash(key, row.key_hash) && !found) found = { keyId: row.id, orgId: row.org_id };
    return found;
  }
}
