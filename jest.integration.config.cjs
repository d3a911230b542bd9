// Every project's integration tests (real Kafka, PostgreSQL, Redis), run in band by npm test.
const { discoverProjects } = require('./tools/jest/discover.cjs');
module.exports = { projects: discoverProjects('jest.integration.config.cjs') };
