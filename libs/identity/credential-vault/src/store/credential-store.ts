import { Secret } from '@parley/config';
import { VaultError } from '../vault-error';
import type { SecretBox, SealingContext } from '../sealing/secret-box';
import type { ResealableSecrets } from '../rotation/rotate-all';
import { assertSchemaName, type SqlExecutor } from './sql-executor';

export type CredentialOwnerKind = 'connection' | 'account';

/** One credential: per org, per owner (a platform connection or a person's platform account), per purpose. */
export interface CredentialKey {
  readonly orgId: string;
  readonly ownerKind: CredentialOwnerKind;
  readonly ownerId: string;
  readonly purpose: string;
}

export interface CredentialInput extends CredentialKey {
  readonly plaintext: string | Secret;
  readonly expiresAt?: Date | null;
}

/** The opened value stays a Secret until the call that needs it reveals it. */
export interface Credential {
  readonly plaintext: Secret;
  readonly expiresAt: Date | null;
}

/** A row listed for rotation; the sealed text is wrapped so a logged record shows nothing of it. */
export interface SealedCredentialRecord extends CredentialKey {
  readonly id: string;
  readonly sealed: Secret;
}

interface CredentialRow {
  id: string;
  org_id: string;
  owner_kind: CredentialOwnerKind;
  owner_id: string;
  purpose: string;
  sealed: string;
  expires_at: Date | null;
}

const OWNER_KINDS: readonly string[] = ['connection', 'account'];

/**
 * Credentials in `<schema>.credentials`, sealed by the SecretBox before any SQL sees them. The sealing context binds
 * the owner as well as the org and purpose, so a sealed value copied onto another row does not open.
 * put/get/delete take the caller's EntityManager (or DataSource); rotation uses the store's own executor.
 */
export class CredentialStore implements ResealableSecrets<SealedCredentialRecord> {
  readonly #box: SecretBox;
  readonly #db: SqlExecutor;
  readonly #table: string;

  constructor(options: { readonly box: SecretBox; readonly db: SqlExecutor; readonly schema?: string }) {
    const schema = options.schema ?? 'identity';
    assertSchemaName(schema);
    this.#box = options.box;
    this.#db = options.db;
    this.#table = `"${schema}".credentials`;
  }

  get activeKeyId(): string {
    return this.#box.activeKeyId;
  }

  /** Inserts or replaces the credential; returns its id. */
  async put(manager: SqlExecutor, input: CredentialInput): Promise<string> {
    assertKey(input);
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt !== null && !(expiresAt instanceof Date && !Number.isNaN(expiresAt.getTime()))) {
      throw new VaultError('invalid-context', 'expiresAt must be a valid Date or null');
    }
    const sealed = this.#box.seal(input.plaintext, contextOf(input));
    const text = sealed.serialize();
    const rows = (await guarded(text, () =>
      manager.query(
        `INSERT INTO ${this.#table} (org_id, owner_kind, owner_id, purpose, sealed, key_id, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (org_id, owner_kind, owner_id, purpose)
         DO UPDATE SET sealed = EXCLUDED.sealed, key_id = EXCLUDED.key_id, expires_at = EXCLUDED.expires_at, updated_at = now()
         RETURNING id`,
        [input.orgId, input.ownerKind, input.ownerId, input.purpose, text, sealed.keyId, expiresAt],
      ),
    )) as { id: string }[];
    return (rows[0] as { id: string }).id;
  }

  async get(db: SqlExecutor, key: CredentialKey): Promise<Credential | null> {
    assertKey(key);
    const rows = (await db.query(
      `SELECT sealed, expires_at FROM ${this.#table} WHERE org_id = $1 AND owner_kind = $2 AND owner_id = $3 AND purpose = $4`,
      [key.orgId, key.ownerKind, key.ownerId, key.purpose],
    )) as Pick<CredentialRow, 'sealed' | 'expires_at'>[];
    const row = rows[0];
    if (!row) return null;
    return { plaintext: new Secret(this.#open(row.sealed, key)), expiresAt: row.expires_at };
  }

  /** True when there was a credential to delete. */
  async delete(manager: SqlExecutor, key: CredentialKey): Promise<boolean> {
    assertKey(key);
    // Counted through a CTE: TypeORM returns DELETE results in a driver-specific shape, SELECT results as rows.
    const rows = (await manager.query(
      `WITH deleted AS (
         DELETE FROM ${this.#table} WHERE org_id = $1 AND owner_kind = $2 AND owner_id = $3 AND purpose = $4 RETURNING 1
       ) SELECT count(*)::int AS n FROM deleted`,
      [key.orgId, key.ownerKind, key.ownerId, key.purpose],
    )) as { n: number }[];
    return (rows[0]?.n ?? 0) > 0;
  }

  async listSealedWithKeyOtherThan(keyId: string, limit: number, afterId?: string): Promise<readonly SealedCredentialRecord[]> {
    const rows = (await this.#db.query(
      `SELECT id, org_id, owner_kind, owner_id, purpose, sealed FROM ${this.#table}
       WHERE key_id <> $1 AND ($3::uuid IS NULL OR id > $3::uuid)
       ORDER BY id LIMIT $2`,
      [keyId, limit, afterId ?? null],
    )) as CredentialRow[];
    return rows.map((row) => ({
      id: row.id,
      orgId: row.org_id,
      ownerKind: row.owner_kind,
      ownerId: row.owner_id,
      purpose: row.purpose,
      sealed: new Secret(row.sealed),
    }));
  }

  /** Compare-and-set on the sealed text, so a put that raced the rotation is never overwritten by the older value. */
  async reseal(record: SealedCredentialRecord): Promise<'resealed' | 'changed'> {
    const previous = record.sealed.reveal();
    let next;
    try {
      next = this.#box.reseal(previous, contextOf(record));
    } catch (error) {
      throw explain(error, record);
    }
    const text = next.serialize();
    const rows = (await guarded(text, () =>
      this.#db.query(
        `WITH updated AS (
           UPDATE ${this.#table} SET sealed = $3, key_id = $4, updated_at = now() WHERE id = $1 AND sealed = $2 RETURNING 1
         ) SELECT count(*)::int AS n FROM updated`,
        [record.id, previous, text, next.keyId],
      ),
    )) as { n: number }[];
    return (rows[0]?.n ?? 0) > 0 ? 'resealed' : 'changed';
  }

  #open(sealed: string, key: CredentialKey): string {
    try {
      return this.#box.open(sealed, contextOf(key));
    } catch (error) {
      throw explain(error, key);
    }
  }
}

/** The owner goes into the purpose as JSON so that no choice of ids can make two owners' contexts equal. */
function contextOf(key: CredentialKey): SealingContext {
  return { orgId: key.orgId, purpose: JSON.stringify([key.ownerKind, key.ownerId, key.purpose]) };
}

function assertKey(key: CredentialKey): void {
  const ok =
    typeof key.orgId === 'string' && key.orgId.length > 0 &&
    OWNER_KINDS.includes(key.ownerKind) &&
    typeof key.ownerId === 'string' && key.ownerId.length > 0 &&
    typeof key.purpose === 'string' && key.purpose.length > 0;
  if (!ok) throw new VaultError('invalid-context', "a credential needs an orgId, an ownerKind ('connection' or 'account'), an ownerId and a purpose");
}

function explain(error: unknown, key: CredentialKey): unknown {
  if (!(error instanceof VaultError)) return error;
  return new VaultError(error.reason, `credential ${key.purpose} of ${key.ownerKind} ${key.ownerId} in org ${key.orgId}: ${error.message}`);
}

/**
 * TypeORM's QueryFailedError carries the query's parameters, the sealed text among them; it is replaced by a
 * VaultError with the server's message (unless that quotes the value) and SQLSTATE.
 */
async function guarded<T>(sealedText: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    throw new VaultError(
      'storage',
      `could not write credential: ${message.includes(sealedText) ? 'query failed' : message}`,
      typeof code === 'string' ? code : undefined,
    );
  }
}
