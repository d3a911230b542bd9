export { distributedServiceEnv, TEST_INTERNAL_TOKEN, TEST_SERVICE_SECRETS } from './service-env';
export { startSandboxedStack, type SandboxedStack, type SandboxedStackOptions } from './sandboxed-stack';
export { giveSlackConsent, RELAY_PUBLIC_URL, relayReadyOrganization, type RelayOrganization, type RelayPair } from './relay-organization';
