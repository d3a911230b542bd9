import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** How long each of the org's guest and mirror writes waits in identity: 50 of them make identity trail for seconds. */
export const TRAIL_PER_ACCOUNT_S = 0.5;

export interface TrailingIdentity {
  /** How many of the org's guest and mirror writes were held back so far. */
  delayed(): Promise<number>;
  remove(): Promise<void>;
}

/**
 * Makes identity trail the connectors for one organization, as a loaded identity does: a trigger in PostgreSQL holds
 * every insert or update of that org's guest and mirror accounts for a moment, inside identity's own transaction.
 * Nothing in identity changes, and no other org (or table) is slowed. A sequence counts the writes held back (it is
 * not transactional, so it counts even those of a batch that is retried).
 */
export async function trailingIdentity(databaseUrl: string, orgId: string, secondsPerAccount: number): Promise<TrailingIdentity> {
  if (!/^org_[A-Za-z0-9]+$/.test(orgId)) throw new Error(`not an org id: ${orgId}`);
  if (!(secondsPerAccount > 0 && secondsPerAccount <= 5)) throw new Error(`secondsPerAccount must be in (0, 5], was ${secondsPerAccount}`);
  const name = `parley_check_trailing_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE SEQUENCE public.${name}_writes`);
    await client.query(`CREATE FUNCTION public.${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM nextval('public.${name}_writes');
        PERFORM pg_sleep(${secondsPerAccount});
        RETURN NEW;
      END $$`);
    await client.query(`CREATE TRIGGER ${name} BEFORE INSERT OR UPDATE ON identity.platform_accounts FOR EACH ROW
      WHEN (NEW.org_id = '${orgId}' AND NEW.kind IN ('guest', 'mirror')) EXECUTE FUNCTION public.${name}()`);
  } catch (error) {
    await client.end();
    throw error;
  }
  return {
    delayed: async () => {
      const { rows } = await client.query<{ n: string }>(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM public.${name}_writes`);
      return Number(rows[0]?.n ?? 0);
    },
    remove: async () => {
      try {
        await client.query(`DROP TRIGGER IF EXISTS ${name} ON identity.platform_accounts`);
        await client.query(`DROP FUNCTION IF EXISTS public.${name}()`);
        await client.query(`DROP SEQUENCE IF EXISTS public.${name}_writes`);
      } finally {
        await client.end();
      }
    },
  };
}
