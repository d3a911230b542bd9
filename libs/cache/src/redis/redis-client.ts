import type { RedisClientType } from 'redis';

/** The node-redis v5 client these adapters share (RESP2, no extra modules or scripts registered). */
export type RedisClient = RedisClientType;
