// Regenerates docs/api/openapi.json from the code. Built like the other tools:
//   node tools/build/build.mjs --quiet && node dist/libs/gateway/feature/src/openapi/write-openapi.js
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderOpenApiDocument } from './document';

/** docs/api/openapi.json of the workspace this file sits in (from source or from dist/). */
export function committedOpenApiPath(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'nx.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no nx.json above ${from}`);
    dir = parent;
  }
  return path.join(dir, 'docs', 'api', 'openapi.json');
}

if (require.main === module) {
  const target = committedOpenApiPath();
  writeFileSync(target, renderOpenApiDocument());
  process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
}
