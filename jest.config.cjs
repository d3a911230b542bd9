// Every project's unit tests in one Jest run (npm test). `nx test <project>` runs one project's config.
const { discoverProjects } = require('./tools/jest/discover.cjs');
module.exports = { projects: discoverProjects('jest.config.cjs'), testTimeout: 30_000 };
