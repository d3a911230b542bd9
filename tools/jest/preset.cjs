// Shared Jest setup: SWC transform (same options as the build) and @parley/* aliases mapped to source.
const path = require('node:path');
const { root, swcrc, jestModuleNameMapper } = require('../build/swc-options.cjs');

/**
 * @param {string} projectDir absolute directory of the Nx project
 * @param {'unit' | 'integration'} kind unit runs *.spec.ts; integration runs *.integration-spec.ts against real servers
 */
function projectConfig(projectDir, kind) {
  const name = path.relative(root, projectDir);
  return {
    displayName: kind === 'unit' ? name : `${name} (integration)`,
    rootDir: projectDir,
    testEnvironment: 'node',
    transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, sourceMaps: 'inline', swcrc: false }] },
    moduleFileExtensions: ['ts', 'js', 'json'],
    moduleNameMapper: jestModuleNameMapper(),
    testMatch: kind === 'unit' ? ['<rootDir>/**/*.spec.ts'] : ['<rootDir>/**/*.integration-spec.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    testTimeout: kind === 'unit' ? 10_000 : 120_000,
    ...(kind === 'integration' ? { slowTestThreshold: 30 } : {}),
  };
}

module.exports = { projectConfig };
