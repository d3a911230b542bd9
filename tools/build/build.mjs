// Compiles apps/, libs/ and tools/bench/ from TypeScript to dist/ with SWC (decorator metadata on, path aliases
// rewritten to relative imports), so every mode runs plain `node dist/...`. Type checking is `npm run typecheck`.
import { createRequire } from 'node:module';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { transformFile } from '@swc/core';

const require = createRequire(import.meta.url);
const { root, buildOptions } = require('./swc-options.cjs');
const sources = ['apps', 'libs', 'tools/bench', 'tools/contracts', 'tools/demo'];
const skip = /(\.spec|\.integration-spec|\.d)\.ts$/;

async function* walk(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'test-fixtures') yield* walk(full);
    } else if (entry.name.endsWith('.ts') && !skip.test(entry.name)) {
      yield full;
    }
  }
}

const started = Date.now();
const options = buildOptions();
const jobs = [];
for (const source of sources) {
  for await (const file of walk(path.join(root, source))) {
    jobs.push(
      (async () => {
        const rel = path.relative(root, file);
        const out = path.join(root, 'dist', rel.replace(/\.ts$/, '.js'));
        const { code, map } = await transformFile(file, {
          ...options,
          filename: file,
          sourceFileName: path.relative(path.dirname(out), file),
          sourceMaps: true,
        });
        await mkdir(path.dirname(out), { recursive: true });
        await writeFile(out, `${code}\n//# sourceMappingURL=${path.basename(out)}.map\n`);
        if (map) await writeFile(`${out}.map`, map);
      })(),
    );
  }
}
await Promise.all(jobs);
await stat(path.join(root, 'dist')).catch(() => mkdir(path.join(root, 'dist')));
if (!process.argv.includes('--quiet')) {
  console.log(`built ${jobs.length} files into dist/ in ${Date.now() - started} ms`);
}
