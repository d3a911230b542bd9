// Module boundaries are the point of this file: every project is tagged scope:<service|shared|embedded> and
// type:<app|feature|data-access|contracts|util|testing>, and the constraints below are real (no wildcards).
const nx = require('@nx/eslint-plugin');

const frameworkPackages = ['@nestjs/*', 'typeorm', 'kafkajs', 'redis', 'express', 'pg', '@electric-sql/*', 'pino', 'prom-client'];
/** What tests of a pure lib may import besides the lib's own packages. */
const testPackages = ['fast-check', '@jest/globals', 'node:perf_hooks'];
const services = ['gateway', 'identity', 'provisioning', 'slack-connector', 'teams-connector', 'relay'];

/** @type {import('@nx/eslint-plugin').DepConstraint[]} */
const depConstraints = [
  // Layering: apps on everything below them, libs never on apps, contracts on nothing but util.
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:contracts', 'type:util', 'type:sandbox'] },
  // Sandboxes emulate Slack and Graph for tests, benchmarks and the embedded demo; they share nothing with Parley's code.
  { sourceTag: 'type:sandbox', onlyDependOnLibsWithTags: ['type:sandbox', 'type:util'] },
  { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:data-access', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts', 'type:util'], bannedExternalImports: frameworkPackages },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
  // The relay's formatting lib is pure functions over strings: its only packages are the HTML parser and emoji data.
  { allSourceTags: ['scope:relay', 'type:util'], allowedExternalImports: ['node-html-parser', 'emojibase-data/*'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:testing', 'type:data-access', 'type:contracts', 'type:util', 'type:feature', 'type:sandbox'] },
  // Scopes: a service sees its own projects and shared ones; only the embedded launcher composes services.
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  ...services.map((service) => ({ sourceTag: `scope:${service}`, onlyDependOnLibsWithTags: [`scope:${service}`, 'scope:shared'] })),
  { sourceTag: 'scope:embedded', onlyDependOnLibsWithTags: ['scope:embedded', 'scope:shared', 'scope:sandbox', ...services.map((s) => `scope:${s}`)] },
  { sourceTag: 'scope:sandbox', onlyDependOnLibsWithTags: ['scope:sandbox', 'scope:shared'] },
  // Tools check and drive whole services (deploy checks read each service's own config sections).
  { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:tools', 'scope:shared', 'scope:sandbox', ...services.map((s) => `scope:${s}`)] },
];

module.exports = [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/.nx', 'tools/**/*.mjs', 'tools/**/*.cjs', '**/jest.*.cjs', 'eslint.config.cjs'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allowCircularSelfDependency: false, depConstraints },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Tests may also use the shared testing lib; production code may not.
    files: ['**/*.spec.ts', '**/*.integration-spec.ts', '**/testing/**/*.ts'],
    rules: {
      'no-console': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          // Tests drive code against the sandboxes, which stand in for Slack and Graph.
          depConstraints: depConstraints.map((c) => {
            if (c.allowedExternalImports) return { ...c, allowedExternalImports: [...c.allowedExternalImports, ...testPackages] };
            if (!c.onlyDependOnLibsWithTags) return c;
            if (c.sourceTag.startsWith('type:')) return { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing', 'type:sandbox'] };
            if (c.sourceTag.startsWith('scope:')) return { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'scope:sandbox'] };
            return c;
          }),
        },
      ],
    },
  },
  {
    files: ['tools/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // The relay's formatting lib is pure: no file system, network, process or clock, so Node's modules are out too.
    files: ['libs/relay/formatting/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: require('node:module').builtinModules, patterns: ['node:*'] }],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', 'setTimeout', 'setInterval', 'fetch'],
    },
  },
];

module.exports.depConstraints = depConstraints;
