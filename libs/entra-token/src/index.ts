export { TokenEndpointClient, type FetchFunction, type TokenForm, type TokenGrant } from './token-endpoint-client';
export { TokenEndpointError } from './token-endpoint-error';
