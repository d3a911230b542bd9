export { integrationEnv, uniqueSuffix, type IntegrationEnv } from './integration-env';
export { TcpProxy } from './tcp-proxy';
export { ServiceProcess, type ServiceProcessOptions } from './service-process';
export { freePort, freePorts, ParleyCluster, type ClusterApp } from './parley-cluster';
export { createFreshDatabase, queryRows, type FreshDatabase } from './fresh-database';
export { thrownBy } from './thrown';
export { duplicateJsonKeys } from './duplicate-json-keys';
export { deleteTopicsWithPrefix } from './topics';
export { blockThisThread, threadedReceiver, type ThreadedReceiver } from './threaded-receiver';
