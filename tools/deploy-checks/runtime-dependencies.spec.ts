import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serviceNames } from '@parley/service-runtime';
import { runtimePackages } from './import-graph';

// docker/Dockerfile ships `npm ci --omit=dev`: a service that loads a devDependency at run time works in every test
// and in `npm start`, then fails in its image. This finds such imports from the sources, before any image is built.

const root = path.resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
const tsconfig = JSON.parse(readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8')) as { compilerOptions: { paths: Record<string, string[]> } };
const aliases = Object.fromEntries(Object.entries(tsconfig.compilerOptions.paths).map(([alias, [target]]) => [alias, path.join(root, target)]));
const production = new Set(Object.keys(manifest.dependencies ?? {}));

describe('packages the service images load at run time', () => {
  it.each(serviceNames)('%s: every package it imports is a production dependency', (name) => {
    const used = runtimePackages(path.join(root, 'apps', name, 'src/main.ts'), aliases);
    const missing = [...used]
      .filter(([pkg]) => !production.has(pkg))
      .map(([pkg, files]) => `${name}: ${pkg} (imported by ${files.map((f) => path.relative(root, f)).join(', ')}) is not in package.json dependencies`);
    expect(missing).toEqual([]);
  });
});

describe('the import walk', () => {
  it('follows relative imports, skips erased type-only ones and builtins, and names the importing file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-imports-'));
    try {
      writeFileSync(path.join(dir, 'main.ts'), "import './wiring';\nimport type { Options } from 'ajv';\nimport { type Schema } from 'yaml';\nexport const x: Options | Schema | undefined = undefined;\n");
      writeFileSync(path.join(dir, 'wiring.ts'), "import { readFileSync } from 'node:fs';\nimport { format } from 'util';\nimport { Kafka } from 'kafkajs';\nconst jest = require('jest/package.json');\nexport { readFileSync, format, Kafka, jest };\n");
      const found = runtimePackages(path.join(dir, 'main.ts'), {});
      expect(Object.fromEntries([...found].map(([pkg, files]) => [pkg, files.map((file) => path.basename(file))]))).toEqual({
        kafkajs: ['wiring.ts'],
        jest: ['wiring.ts'],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
