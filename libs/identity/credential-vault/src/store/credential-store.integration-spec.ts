import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { DataSource } from 'typeorm';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@parley/persistence';
import { integrationEnv, uniqueSuffix } from '@parley/testing';
import { keyringOf, randomKeyMaterial } from '../testing/test-keys';
import { rotateAll } from '../rotation/rotate-all';
import { SecretBox } from '../sealing/secret-box';
import { VaultError } from '../vault-error';
import { CredentialStore, type CredentialKey } from './credential-store';
import { createCredentialTables } from './credential-tables';

const k1 = randomKeyMaterial();
const k2 = randomKeyMaterial();
const ORG = 'org_vault_it';

const botToken: CredentialKey = { orgId: ORG, ownerKind: 'connection', ownerId: 'conn_slack_1', purpose: 'slack.bot-token' };
const refreshToken = (personId: string): CredentialKey => ({ orgId: ORG, ownerKind: 'account', ownerId: personId, purpose: 'teams.refresh-token' });

// The embedded mode runs on PGlite, so the same suite proves the table and its SQL on both engines.
describe.each(['postgresql', 'pglite'] as const)('CredentialStore on %s', (engine) => {
  let embedded: EmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  let dataSource: DataSource;
  let schema: string;
  let store: CredentialStore;

  beforeAll(async () => {
    let url = integrationEnv().databaseUrl;
    if (engine === 'pglite') {
      dataDir = mkdtempSync(path.join(tmpdir(), 'parley-vault-pglite-'));
      embedded = await startEmbeddedPostgres({ dataDir });
      url = embedded.url;
    }
    schema = `t_vault_${uniqueSuffix()}`;
    dataSource = new DataSource({ type: 'postgres', url, poolSize: 4, synchronize: false, logging: false });
    await dataSource.initialize();
    const runner = dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      await createCredentialTables(runner, schema);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    store = new CredentialStore({ box: new SecretBox(keyringOf({ k1 }, 'k1')), db: dataSource, schema });
  }, 60_000);

  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await dataSource?.destroy();
    await embedded?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const rows = (): Promise<Record<string, unknown>[]> => dataSource.query(`SELECT * FROM "${schema}".credentials ORDER BY id`);

  it('puts, gets, replaces and deletes a credential', async () => {
    const expiresAt = new Date('2030-01-01T00:00:00.000Z');
    const id = await store.put(dataSource.manager, { ...botToken, plaintext: 'xoxb-first-value', expiresAt });
    const first = await store.get(dataSource, botToken);
    expect(first?.plaintext.reveal()).toBe('xoxb-first-value');
    expect(first?.expiresAt?.toISOString()).toBe(expiresAt.toISOString());
    expect(JSON.stringify(first)).not.toContain('xoxb-first-value');

    expect(await store.put(dataSource.manager, { ...botToken, plaintext: 'xoxb-second-value' })).toBe(id);
    const second = await store.get(dataSource.manager, botToken);
    expect(second?.plaintext.reveal()).toBe('xoxb-second-value');
    expect(second?.expiresAt).toBeNull();
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".credentials WHERE org_id = $1`, [ORG])).toEqual([{ n: 1 }]);

    expect(await store.get(dataSource, { ...botToken, orgId: 'org_other' })).toBeNull();
    expect(await store.delete(dataSource.manager, botToken)).toBe(true);
    expect(await store.delete(dataSource.manager, botToken)).toBe(false);
    expect(await store.get(dataSource, botToken)).toBeNull();
  });

  it('stores no plaintext: every column of every row is free of the secrets', async () => {
    const secrets = ['1//refresh-token-of-alice', '1//refresh-token-of-bob'];
    await store.put(dataSource.manager, { ...refreshToken('p_alice'), plaintext: secrets[0] as string });
    await store.put(dataSource.manager, { ...refreshToken('p_bob'), plaintext: secrets[1] as string });
    const dump = JSON.stringify(await rows());
    for (const secret of secrets) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(Buffer.from(secret).toString('base64url'));
      expect(dump).not.toContain(Buffer.from(secret).toString('base64'));
    }
    const [row] = await dataSource.query(`SELECT sealed, key_id FROM "${schema}".credentials WHERE owner_id = 'p_alice'`);
    expect(row.sealed).toMatch(/^v1\.k1\./);
    expect(row.key_id).toBe('k1');
  });

  it('does not open a sealed value copied onto another owner’s row', async () => {
    await store.put(dataSource.manager, { ...refreshToken('p_carol'), plaintext: 'carol-token' });
    await store.put(dataSource.manager, { ...refreshToken('p_dave'), plaintext: 'dave-token' });
    await dataSource.query(
      `UPDATE "${schema}".credentials SET sealed = (SELECT sealed FROM "${schema}".credentials WHERE owner_id = 'p_carol') WHERE owner_id = 'p_dave'`,
    );
    const error = await store.get(dataSource, refreshToken('p_dave')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultError);
    expect((error as VaultError).reason).toBe('authentication-failed');
    expect((error as VaultError).message).toContain('p_dave');
    expect((error as VaultError).message).not.toContain('carol-token');
  });

  it('writes inside the caller’s transaction', async () => {
    const key = refreshToken('p_rolled_back');
    await expect(
      dataSource.transaction(async (manager) => {
        await store.put(manager, { ...key, plaintext: 'never-committed' });
        expect((await store.get(manager, key))?.plaintext.reveal()).toBe('never-committed');
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect(await store.get(dataSource, key)).toBeNull();
  });

  it('rotateAll moves every row to the active key, after which the old key can be dropped', async () => {
    await dataSource.query(`DELETE FROM "${schema}".credentials`);
    const people = Array.from({ length: 23 }, (_, i) => `p_${String(i).padStart(3, '0')}`);
    for (const person of people) await store.put(dataSource.manager, { ...refreshToken(person), plaintext: `token-of-${person}` });
    await store.put(dataSource.manager, { ...botToken, plaintext: 'xoxb-bot' });

    const rotating = new CredentialStore({ box: new SecretBox(keyringOf({ k1, k2 }, 'k2')), db: dataSource, schema });
    // A put during rotation already seals with the active key; rotation leaves it alone.
    await rotating.put(dataSource.manager, { ...refreshToken('p_new'), plaintext: 'token-of-p_new' });
    const report = await rotateAll(rotating, 5);
    expect(report).toEqual({ resealed: 24, changed: 0, failed: [] });
    const keyIds = await dataSource.query(`SELECT key_id, count(*)::int AS n FROM "${schema}".credentials GROUP BY key_id`);
    expect(keyIds).toEqual([{ key_id: 'k2', n: 25 }]);
    expect((await rows()).every((row) => String(row['sealed']).startsWith('v1.k2.'))).toBe(true);
    expect(await rotateAll(rotating, 5)).toEqual({ resealed: 0, changed: 0, failed: [] });

    const afterwards = new CredentialStore({ box: new SecretBox(keyringOf({ k2 }, 'k2')), db: dataSource, schema });
    for (const person of [...people, 'p_new']) {
      expect((await afterwards.get(dataSource, refreshToken(person)))?.plaintext.reveal()).toBe(`token-of-${person}`);
    }
    expect((await afterwards.get(dataSource, botToken))?.plaintext.reveal()).toBe('xoxb-bot');
  });

  it('reseal leaves a row alone when it was rewritten after being listed', async () => {
    await dataSource.query(`DELETE FROM "${schema}".credentials`);
    const old = new CredentialStore({ box: new SecretBox(keyringOf({ k1 }, 'k1')), db: dataSource, schema });
    await old.put(dataSource.manager, { ...botToken, plaintext: 'xoxb-before' });
    const rotating = new CredentialStore({ box: new SecretBox(keyringOf({ k1, k2 }, 'k2')), db: dataSource, schema });
    const [listed] = await rotating.listSealedWithKeyOtherThan('k2', 10);
    expect(JSON.stringify(listed)).not.toMatch(/v1\.k1\./);
    await old.put(dataSource.manager, { ...botToken, plaintext: 'xoxb-after' });
    expect(await rotating.reseal(listed as NonNullable<typeof listed>)).toBe('changed');
    expect((await rotating.get(dataSource, botToken))?.plaintext.reveal()).toBe('xoxb-after');
  });

  it('reports a failed write as a VaultError that carries neither the secret nor the query parameters', async () => {
    const missing = new CredentialStore({ box: new SecretBox(keyringOf({ k1 }, 'k1')), db: dataSource, schema: 'no_such_schema_here' });
    const error = await missing.put(dataSource.manager, { ...botToken, plaintext: 'xoxb-unwritten' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultError);
    expect(error).toMatchObject({ reason: 'storage', sqlState: '42P01' });
    expect(error).not.toHaveProperty('parameters');
    expect(JSON.stringify(error)).not.toMatch(/v1\.k1\.|xoxb-unwritten/);
    expect(inspect(error)).not.toMatch(/v1\.k1\.|xoxb-unwritten/);
  });

  it('rotateAll reports a row it cannot open and re-seals the rest', async () => {
    await dataSource.query(`DELETE FROM "${schema}".credentials`);
    const old = new CredentialStore({ box: new SecretBox(keyringOf({ k1 }, 'k1')), db: dataSource, schema });
    for (const person of ['p_1', 'p_2', 'p_3']) await old.put(dataSource.manager, { ...refreshToken(person), plaintext: `token-${person}` });
    const [broken] = await dataSource.query(`SELECT id FROM "${schema}".credentials WHERE owner_id = 'p_2'`);
    await dataSource.query(`UPDATE "${schema}".credentials SET sealed = 'not-a-sealed-secret' WHERE id = $1`, [broken.id]);

    const rotating = new CredentialStore({ box: new SecretBox(keyringOf({ k1, k2 }, 'k2')), db: dataSource, schema });
    expect(await rotateAll(rotating, 2)).toEqual({ resealed: 2, changed: 0, failed: [{ id: broken.id, reason: 'malformed' }] });
    expect(await dataSource.query(`SELECT owner_id FROM "${schema}".credentials WHERE key_id = 'k1'`)).toEqual([{ owner_id: 'p_2' }]);
  });
});
