import { createLogger } from '@parley/observability';
import { createServiceDataSource, initializeAndMigrate } from '@parley/persistence';
import { createFreshDatabase, integrationEnv, type FreshDatabase } from '@parley/testing';
import { IdentityInit1732700000000 } from './1732700000000-identity-init';
import { IdentityUserSync1796100000000 } from './1796100000000-identity-user-sync';
import { IdentityOneOrgPerWorkspace1796500000000 } from './1796500000000-identity-one-org-per-workspace';

const logger = createLogger({ service: 'identity', level: 'warn', destination: { write: () => undefined } });
const earlierMigrations = [IdentityInit1732700000000, IdentityUserSync1796100000000];

// A database of an earlier version, where two orgs connected the same Slack workspace, then this version's migration.
describe('migrating connections to one organization per workspace', () => {
  let database: FreshDatabase;
  beforeAll(async () => {
    database = await createFreshDatabase(integrationEnv().databaseUrl, 'parley_id_mig');
  });
  afterAll(async () => database?.drop());

  it('keeps the first org\'s live connection and retires later ones with their secrets and tokens', async () => {
    const earlier = createServiceDataSource({ url: database.url, poolSize: 2, schema: 'identity', migrations: earlierMigrations, logger });
    await initializeAndMigrate(earlier, 'identity', logger);
    const connect = async (orgId: string, platform: string, settings: object, createdAt: string): Promise<string> => {
      const [row] = (await earlier.query(
        `INSERT INTO identity.connections (org_id, platform, settings, created_at) VALUES ($1, $2, $3::jsonb, $4) RETURNING id`,
        [orgId, platform, JSON.stringify(settings), createdAt],
      )) as { id: string }[];
      await earlier.query(
        `INSERT INTO identity.credentials (org_id, owner_kind, owner_id, purpose, sealed, key_id) VALUES ($1, 'connection', $2, 'slack.bot-token', 'v1.k1.x', 'k1')`,
        [orgId, row?.id],
      );
      return row?.id as string;
    };
    const first = await connect('org_FirstToConnect01', 'slack', { platform: 'slack', teamId: 'T_SHARED' }, '2026-10-01T00:00:00Z');
    const second = await connect('org_SecondToConnect1', 'slack', { platform: 'slack', teamId: 'T_SHARED' }, '2026-10-02T00:00:00Z');
    const tenant = await connect('org_SecondToConnect1', 'teams', { platform: 'teams', tenantId: 'tenant-own' }, '2026-10-02T00:00:00Z');
    await earlier.query(
      `INSERT INTO identity.credentials (org_id, owner_kind, owner_id, purpose, sealed, key_id) VALUES ($1, 'account', 'person-1', $2, 'v1.k1.y', 'k1')`,
      ['org_SecondToConnect1', `teams.access-token/${second}`],
    );
    await earlier.destroy();

    const now = createServiceDataSource({
      url: database.url,
      poolSize: 2,
      schema: 'identity',
      migrations: [...earlierMigrations, IdentityOneOrgPerWorkspace1796500000000],
      logger,
    });
    await initializeAndMigrate(now, 'identity', logger);
    try {
      const live = (await now.query(`SELECT id, platform_tenant_id FROM identity.connections WHERE deleted_at IS NULL ORDER BY platform`)) as object[];
      expect(live).toEqual([
        { id: first, platform_tenant_id: 'T_SHARED' },
        { id: tenant, platform_tenant_id: 'tenant-own' },
      ]);
      const kept = (await now.query(`SELECT owner_id, purpose FROM identity.credentials ORDER BY owner_id`)) as { owner_id: string }[];
      expect(kept.map((c) => c.owner_id).sort()).toEqual([first, tenant].sort());
      // The retired row stays for the record; the index now refuses a second live one.
      expect(await now.query(`SELECT deleted_at IS NOT NULL AS retired FROM identity.connections WHERE id = $1`, [second])).toEqual([{ retired: true }]);
      await expect(
        now.query(`INSERT INTO identity.connections (org_id, platform, settings) VALUES ('org_ThirdToConnect01', 'slack', '{"platform":"slack","teamId":"T_SHARED"}')`),
      ).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '23505', constraint: 'connections_platform_tenant_live' }) });
    } finally {
      await now.destroy();
    }
  });
});
