// Only this project's own src/: in-process/ and stack/ under it are projects of their own with their own configs.
const base = require('../../tools/jest/preset.cjs').projectConfig(__dirname, 'integration');
module.exports = { ...base, roots: ['<rootDir>/src'] };
