export { Secret } from './secret';
export { ConfigError, defineConfigSection, env, loadConfig, type ConfigSection, type Environment } from './load-config';
export * from './sections';
export { loadOrCreateSecretFile } from './secret-file';
