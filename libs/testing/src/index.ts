export { integrationEnv, uniqueSuffix, type IntegrationEnv } from './integration-env';
export { TcpProxy } from './tcp-proxy';
export { ServiceProcess, type ServiceProcessOptions } from './service-process';
