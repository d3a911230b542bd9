module.exports = { ...require('../jest/preset.cjs').projectConfig(__dirname, 'unit'), testTimeout: 60_000 };
