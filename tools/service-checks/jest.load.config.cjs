// The on-demand load checks (*.load-spec.ts): `npm run acceptance:relay-load`. Not part of `npm test`.
const base = require('../jest/preset.cjs').projectConfig(__dirname, 'integration');
module.exports = { ...base, displayName: 'service-checks (load)', testMatch: ['<rootDir>/**/*.load-spec.ts'], testTimeout: 900_000 };
