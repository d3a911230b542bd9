// The chaos run (*.chaos-spec.ts): `npm run chaos -- --seed N`. Its short form runs in `npm test` (chaos-short).
const base = require('../jest/preset.cjs').projectConfig(__dirname, 'integration');
module.exports = { ...base, displayName: 'service-checks (chaos)', testMatch: ['<rootDir>/**/*.chaos-spec.ts'], testTimeout: 3_600_000 };
