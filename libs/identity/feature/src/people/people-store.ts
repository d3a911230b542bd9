import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Platform } from '@parley/contracts';
import type { AccountView, ListPeopleQuery, PeoplePage, PersonView, ResolvedPeople } from '@parley/internal-api';
import { inTransaction } from '@parley/persistence';
import { DATA_SOURCE, notFound } from '@parley/service-runtime';
import { IDENTITY_SETTINGS, type IdentitySettings } from '../config/identity-config';
import { badRequest } from '../http/problem';
import { firstRow, isUuid, rows, type Sql } from '../http/sql';
import { personStatusOf, type NativeAccount } from './primary-platform';

export interface PersonRow {
  id: string;
  org_id: string;
  email: string;
  display_name: string;
  primary_platform: Platform | null;
  status: 'active' | 'deactivated';
  created_at: Date;
  updated_at: Date;
}

interface AccountRow {
  person_id: string;
  platform: Platform;
  kind: 'native' | 'guest' | 'mirror';
  status: 'active' | 'deactivated' | 'needs_attention';
  platform_user_id: string | null;
  user_principal_name: string | null;
  attention_reason: string | null;
  consented: boolean;
  mirror_kind: 'scim' | 'profile' | null;
}

const PERSON_COLUMNS = 'p.id, p.org_id, p.email, p.display_name, p.primary_platform, p.status, p.created_at, p.updated_at';

/** People and their accounts as the internal API shows them; keyset-paged by email (unique per org). */
@Injectable()
export class PeopleStore {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(IDENTITY_SETTINGS) private readonly settings: IdentitySettings,
  ) {}

  async list(orgId: string, query: ListPeopleQuery): Promise<PeoplePage> {
    const params: unknown[] = [orgId];
    const where = ['p.org_id = $1'];
    if (query.query) {
      params.push(`%${query.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(p.email ILIKE $${params.length} OR p.display_name ILIKE $${params.length})`);
    }
    if (query.primaryPlatform) {
      params.push(query.primaryPlatform);
      where.push(`p.primary_platform = $${params.length}`);
    }
    if (query.status === 'needs_attention') {
      where.push(`EXISTS (SELECT 1 FROM identity.platform_accounts a WHERE a.person_id = p.id AND a.status = 'needs_attention')`);
    } else if (query.status) {
      params.push(query.status);
      where.push(`p.status = $${params.length}`);
    }
    if (query.cursor !== undefined) {
      params.push(decodeCursor(query.cursor));
      where.push(`p.email > $${params.length}`);
    }
    params.push(query.limit + 1);
    const found = await rows<PersonRow>(
      this.dataSource,
      `SELECT ${PERSON_COLUMNS} FROM identity.people p WHERE ${where.join(' AND ')} ORDER BY p.email LIMIT $${params.length}`,
      params,
    );
    const page = found.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: await this.views(this.dataSource, page),
      nextCursor: found.length > query.limit && last ? encodeCursor(last.email) : null,
    };
  }

  /** The people of the org behind these platform user ids (one row per id found), in one query for people and one for accounts. */
  async resolve(orgId: string, platform: Platform, platformUserIds: readonly string[]): Promise<ResolvedPeople> {
    const found = await rows<PersonRow & { platform_user_id: string }>(
      this.dataSource,
      `SELECT a.platform_user_id, ${PERSON_COLUMNS}
         FROM identity.platform_accounts a JOIN identity.people p ON p.id = a.person_id
        WHERE p.org_id = $1 AND a.platform = $2 AND a.platform_user_id = ANY($3::text[])`,
      [orgId, platform, [...new Set(platformUserIds)]],
    );
    const people = [...new Map(found.map((r) => [r.id, r])).values()];
    const views = new Map((await this.views(this.dataSource, people)).map((v) => [v.id, v]));
    return { items: found.map((r) => ({ platformUserId: r.platform_user_id, person: views.get(r.id) as PersonView })) };
  }

  async get(orgId: string, id: string, db: Sql = this.dataSource): Promise<PersonView> {
    const person = await this.find(db, orgId, id);
    if (!person) throw notFound('person');
    return (await this.views(db, [person]))[0] as PersonView;
  }

  async find(db: Sql, orgId: string, id: string, forUpdate = false): Promise<PersonRow | null> {
    if (!isUuid(id)) return null;
    return firstRow<PersonRow>(db, `SELECT ${PERSON_COLUMNS} FROM identity.people p WHERE p.id = $1 AND p.org_id = $2${forUpdate ? ' FOR UPDATE' : ''}`, [id, orgId]);
  }

  /** An admin's explicit choice: kept by later syncs. The status follows the native account there. */
  async setPrimaryPlatform(orgId: string, id: string, platform: Platform): Promise<PersonView> {
    return inTransaction(this.dataSource, async (manager) => {
      const person = await this.find(manager, orgId, id, true);
      if (!person) throw notFound('person');
      const natives = await rows<NativeAccount>(manager, `SELECT platform, status FROM identity.platform_accounts WHERE person_id = $1 AND kind = 'native'`, [id]);
      await manager.query(
        `UPDATE identity.people SET primary_platform = $2, primary_platform_source = 'admin', status = $3, updated_at = now() WHERE id = $1`,
        [id, platform, personStatusOf(natives, platform)],
      );
      return this.get(orgId, id, manager);
    });
  }

  get primaryWhenBoth(): Platform {
    return this.settings.primaryWhenBoth;
  }

  private async views(db: Sql, people: readonly PersonRow[]): Promise<PersonView[]> {
    if (people.length === 0) return [];
    const accounts = await rows<AccountRow>(
      db,
      `SELECT person_id, platform, kind, status, platform_user_id, user_principal_name, attention_reason, consented, mirror_kind
         FROM identity.platform_accounts WHERE person_id = ANY($1::uuid[]) ORDER BY platform, kind, platform_user_id`,
      [people.map((p) => p.id)],
    );
    const byPerson = new Map<string, AccountView[]>();
    for (const account of accounts) {
      const list = byPerson.get(account.person_id) ?? [];
      list.push(accountView(account, people.find((p) => p.id === account.person_id)?.primary_platform ?? null));
      byPerson.set(account.person_id, list);
    }
    return people.map((p) => ({
      id: p.id,
      orgId: p.org_id,
      email: p.email,
      displayName: p.display_name,
      primaryPlatform: p.primary_platform,
      status: p.status,
      accounts: byPerson.get(p.id) ?? [],
      createdAt: p.created_at.toISOString(),
      updatedAt: p.updated_at.toISOString(),
    }));
  }
}

/**
 * `consented` is shown where Parley needs a consent to speak as the account: a native Teams account (Account Sync) and
 * the Slack account (native or mirror) of a Teams-primary person (Slack consent).
 */
function accountView(a: AccountRow, primary: Platform | null): AccountView {
  return {
    platform: a.platform,
    kind: a.kind,
    status: a.status,
    platformUserId: a.platform_user_id,
    ...(a.user_principal_name ? { userPrincipalName: a.user_principal_name } : {}),
    ...(a.status === 'needs_attention' && a.attention_reason ? { attentionReason: a.attention_reason } : {}),
    ...((a.platform === 'teams' && a.kind === 'native') || (a.platform === 'slack' && a.kind !== 'guest' && primary === 'teams') ? { consented: a.consented } : {}),
    ...(a.kind === 'mirror' && a.mirror_kind ? { mirrorKind: a.mirror_kind } : {}),
  };
}

function encodeCursor(email: string): string {
  return Buffer.from(JSON.stringify({ after: email }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const after = (value as { after?: unknown } | null)?.after;
    if (typeof after === 'string') return after;
  } catch {
    // falls through to the 400 below
  }
  throw badRequest('cursor: not a cursor this API returned.', 'cursor');
}
