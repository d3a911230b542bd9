export { AdminApi, ApiProblem } from './admin-api';
