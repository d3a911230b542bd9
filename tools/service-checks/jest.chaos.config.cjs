// The chaos run (*.chaos-spec.ts), on demand: `npm run chaos -- --seed N [--messages N] [--rate N] [--replicas N]
// [--kills N] [--platform-faults N]`.
const base = require('../jest/preset.cjs').projectConfig(__dirname, 'integration');
module.exports = { ...base, displayName: 'service-checks (chaos)', testMatch: ['<rootDir>/**/*.chaos-spec.ts'], testTimeout: 3_600_000 };
