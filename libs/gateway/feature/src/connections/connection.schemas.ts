/** identity's list of an org's connections (`GET /internal/orgs/{org}/connections`), answered as is. */
export { connectionList, type ConnectionList } from '@parley/internal-api';
