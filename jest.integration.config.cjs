// Every project's integration tests (real Kafka, PostgreSQL, Redis), run in band by npm test.
// testTimeout is a global option in multi-project mode, so it is set here and not per project.
const { discoverProjects } = require('./tools/jest/discover.cjs');
module.exports = { projects: discoverProjects('jest.integration.config.cjs'), testTimeout: 240_000 };
