import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { AdoptOrganizationRequest, OrganizationView } from '@parley/internal-api';
import { inTransaction, type Outbox } from '@parley/persistence';
import { DATA_SOURCE, notFound, OUTBOX } from '@parley/service-runtime';
import { firstRow } from '../http/sql';
import { newOrgId } from './org-id';

interface OrganizationRow {
  id: string;
  name: string;
  created_at: Date;
}

/**
 * Organizations, in `identity.organizations`. Each one is announced once, as `parley.organization.created.v1` in the
 * transaction that records it, so a consumer never hears of an org that is not there, nor misses one that is.
 */
@Injectable()
export class OrganizationStore {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(OUTBOX) private readonly outbox: Outbox,
  ) {}

  async create(name: string): Promise<OrganizationView> {
    return inTransaction(this.dataSource, async (manager) => {
      const row = await firstRow<OrganizationRow>(
        manager,
        'INSERT INTO identity.organizations (id, name) VALUES ($1, $2) RETURNING id, name, created_at',
        [newOrgId(), name],
      );
      return this.announce(manager, required(row));
    });
  }

  /**
   * An organization an earlier version kept in the gateway's schema, under its own id. Idempotent, so the gateway can
   * hand a row over again after a crash: an org already here is answered as it is, and announced only the first time.
   */
  async adopt(id: string, request: AdoptOrganizationRequest): Promise<OrganizationView> {
    return inTransaction(this.dataSource, async (manager) => {
      const inserted = await firstRow<OrganizationRow>(
        manager,
        `INSERT INTO identity.organizations (id, name, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO NOTHING RETURNING id, name, created_at`,
        [id, request.name, request.createdAt],
      );
      if (inserted) return this.announce(manager, inserted);
      return view(required(await firstRow<OrganizationRow>(manager, 'SELECT id, name, created_at FROM identity.organizations WHERE id = $1', [id])));
    });
  }

  async get(id: string): Promise<OrganizationView> {
    const row = await firstRow<OrganizationRow>(this.dataSource, 'SELECT id, name, created_at FROM identity.organizations WHERE id = $1', [id]);
    if (!row) throw notFound('organization');
    return view(row);
  }

  private async announce(manager: EntityManager, row: OrganizationRow): Promise<OrganizationView> {
    const organization = view(row);
    await this.outbox.enqueue(manager, 'parley.organization.created.v1', {
      orgId: organization.id,
      name: organization.name,
      createdAt: organization.createdAt,
    });
    return organization;
  }
}

function required(row: OrganizationRow | null): OrganizationRow {
  if (!row) throw new Error('identity.organizations returned no row');
  return row;
}

function view(row: OrganizationRow): OrganizationView {
  return { id: row.id, name: row.name, createdAt: row.created_at.toISOString() };
}
