// Writes libs/contracts/schema/<topic>.json from the catalog. The contracts unit test fails when these drift.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportJsonSchemas } from '@parley/contracts';

const dir = path.resolve(__dirname, '../../../libs/contracts/schema');
mkdirSync(dir, { recursive: true });
for (const file of readdirSync(dir)) if (file.endsWith('.json')) rmSync(path.join(dir, file));
const schemas = exportJsonSchemas();
for (const [name, schema] of Object.entries(schemas)) {
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(schema, null, 2)}\n`);
}
console.log(`wrote ${Object.keys(schemas).length} schemas to ${path.relative(process.cwd(), dir)}`);
