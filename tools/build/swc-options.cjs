// One place that turns tsconfig.base.json path aliases into SWC options, shared by the build and by Jest,
// so that `@parley/*` resolves the same way in tests, in `npm start` and in the Docker image.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const swcrc = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;
const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));
const paths = tsconfig.compilerOptions.paths;

/** SWC options that rewrite `@parley/*` imports into relative paths (used for the dist/ build). */
function buildOptions() {
  return { ...swcrc, jsc: { ...swcrc.jsc, baseUrl: root, paths } };
}

/** Jest moduleNameMapper entries for the same aliases (tests run from source). */
function jestModuleNameMapper() {
  const mapper = {};
  for (const [alias, [target]] of Object.entries(paths)) {
    mapper[`^${alias.replace(/[/\\^$+?.()|[\]{}-]/g, '\\$&')}$`] = path.join(root, target);
  }
  return mapper;
}

module.exports = { root, swcrc, paths, buildOptions, jestModuleNameMapper };
