import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { inTransaction } from '@parley/persistence';
import { DATA_SOURCE } from '@parley/service-runtime';
import { issueApiKey, lookupPrefixOf, matchesHash, newKeyId, newOrgId } from '../auth/api-keys';

export interface Org {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface CreatedOrg extends Org {
  /** The org's first admin key, in clear: returned once, never stored. */
  readonly adminApiKey: string;
}

export interface OrgKey {
  readonly keyId: string;
  readonly orgId: string;
}

interface OrgRow {
  id: string;
  name: string;
  created_at: Date | string;
}

/** The gateway's organizations and their admin API keys (stored as SHA-256 hashes), in the gateway schema. */
@Injectable()
export class OrgStore {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async create(name: string): Promise<CreatedOrg> {
    const id = newOrgId();
    const keyId = newKeyId();
    const issued = issueApiKey();
    const org = await inTransaction(this.dataSource, async (manager) => {
      const rows: OrgRow[] = await manager.query('INSERT INTO gateway.orgs (id, name) VALUES ($1, $2) RETURNING id, name, created_at', [
        id,
        name,
      ]);
      await manager.query('INSERT INTO gateway.api_keys (id, org_id, lookup_prefix, key_hash, role) VALUES ($1, $2, $3, $4, $5)', [
        keyId,
        id,
        issued.lookupPrefix,
        issued.hash,
        'admin',
      ]);
      return toOrg(rows[0] as OrgRow);
    });
    return { ...org, adminApiKey: issued.key };
  }

  async find(id: string): Promise<Org | undefined> {
    const rows: OrgRow[] = await this.dataSource.query('SELECT id, name, created_at FROM gateway.orgs WHERE id = $1', [id]);
    return rows[0] ? toOrg(rows[0]) : undefined;
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

function toOrg(row: OrgRow): Org {
  return { id: row.id, name: row.name, createdAt: new Date(row.created_at).toISOString() };
}
