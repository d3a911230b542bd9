export { AdminApi, ApiProblem } from './admin-api';
export { rememberedOrganization, rememberedOrgFile, type RememberedOrg, type RememberedOrgUse } from './remembered-org';
