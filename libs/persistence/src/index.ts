export { createServiceDataSource, databaseHealth, initializeAndMigrate, type ServiceDatabaseOptions } from './data-source';
export { createMessagingTables, dropMessagingTables } from './messaging-tables';
export { inTransaction, Outbox } from './outbox/outbox';
export { OutboxRelay, type OutboxRelayOptions } from './outbox/outbox-relay';
export { IdempotentConsumer, type IdempotentOutcome } from './idempotent-consumer';
export { GroupCommit, type GroupCommitOptions } from './group-commit';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded/embedded-postgres';
export { queryReturning, returnedRows, type Queryable } from './returning';
export { handleLane, RETRY_SECONDS } from './inbox/ordered-lane';
