export { startGraphSandbox, type GraphSandbox, type GraphSandboxInspect, type GraphSandboxOptions } from './sandbox';
export { sandboxCertificates, generateSandboxCertificates, type SandboxCertificates } from './tls/certificate-authority';
export { ControlApi, CONTROL_ACTIONS, type ActAs, type Place } from './control/control-api';
export type { FaultSettings } from './control/faults';
export type { DeliveryRecord, SentEmail, RequestRecord } from './control/inspection';
export { DOCUMENTED_LIMITS, type GraphLimits, type Limit, type LimitsOptions } from './throttling/limits';
export type { NotifierOptions, LifecycleEvent, ChangeType } from './notifications/notifier';
export { PARLEY_APP_ROLES, PARLEY_DELEGATED_SCOPES, type SeededCredentials } from './state/seed';
export { MAX_BATCH_REQUESTS } from './resources/batch';
