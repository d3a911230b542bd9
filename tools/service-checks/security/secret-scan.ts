import pg from 'pg';
import type { SandboxedStack } from '../sandboxed-stack';
import { issuedSecrets } from './issued-secrets';

/**
 * Looks for every secret and token the sandboxes issued (issuedSecrets) in what the stack let out: each service
 * process's log lines and stderr, the API answers the caller collected, and every text-like column of its database.
 * Answers where each was found, with only the secret's first four characters. Shared by the security suite and the
 * chaos run (issue 11: after the chaos run, nothing may show one).
 */
export async function secretLeaks(stack: SandboxedStack, answers: readonly { readonly where: string; readonly text: string }[]): Promise<{ secrets: number; columns: number; leaks: string[] }> {
  const secrets = issuedSecrets(stack.sandboxes);
  const leaks: string[] = [];
  const scan = (where: string, text: string) => {
    for (const secret of secrets) if (text.includes(secret)) leaks.push(`${where}: ${secret.slice(0, 4)}…`);
  };
  for (const [i, process] of stack.cluster.history.entries()) {
    scan(`log of process ${i}`, JSON.stringify(process.lines));
    scan(`stderr of process ${i}`, process.stderr.join(''));
  }
  for (const answer of answers) scan(answer.where, answer.text);
  const database = await databaseLeaks(stack.database.url, secrets);
  return { secrets: secrets.length, columns: database.columns, leaks: [...leaks, ...database.leaks] };
}

/** Every text-like column of every table of every Parley schema, searched for each secret. */
async function databaseLeaks(databaseUrl: string, secrets: readonly string[]): Promise<{ columns: number; leaks: string[] }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const columns = await client.query<{ table_schema: string; table_name: string; column_name: string; data_type: string }>(
      `SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
        WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
          AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')`,
    );
    const leaks: string[] = [];
    for (const { table_schema: schema, table_name: table, column_name: column, data_type: type } of columns.rows) {
      const value = type === 'bytea' ? `encode("${column}", 'escape')` : `"${column}"::text`;
      const found = await client.query<{ hit: string }>(`SELECT s AS hit FROM unnest($1::text[]) s WHERE EXISTS (SELECT 1 FROM "${schema}"."${table}" WHERE strpos(${value}, s) > 0) LIMIT 3`, [secrets]);
      for (const row of found.rows) leaks.push(`${schema}.${table}.${column}: ${row.hit.slice(0, 4)}…`);
    }
    return { columns: columns.rows.length, leaks };
  } finally {
    await client.end();
  }
}
