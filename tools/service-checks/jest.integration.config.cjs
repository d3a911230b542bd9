module.exports = { ...require('../jest/preset.cjs').projectConfig(__dirname, 'integration'), testTimeout: 240_000 };
