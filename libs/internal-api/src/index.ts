export * from './connections';
export * from './conversations';
export * from './organizations';
export * from './people';
export * from './user-syncs';
export { InternalApiClient, InternalApiError, type InternalEndpoint } from './client';
export { internalPaths, publicPaths } from './paths';
