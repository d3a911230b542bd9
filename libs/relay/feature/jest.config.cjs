module.exports = require('../../../tools/jest/preset.cjs').projectConfig(__dirname, 'unit');
