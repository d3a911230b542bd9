import { problemDetailsFilter } from '@parley/service-runtime';

/** Every HTTP error of provisioning's internal API as problem details; a 401 says how to send the token. */
export const provisioningProblemFilter = problemDetailsFilter({
  genericDetails: { 401: 'Internal API: send the internal token as `Authorization: Bearer <token>`.' },
});
