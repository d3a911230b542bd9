export { connectionRequests, startPlatformSandboxes, type DemoCredentials, type PlatformSandboxes, type PlatformSandboxOptions } from './platform-sandboxes';
