export { startPlatformSandboxes, type DemoCredentials, type PlatformSandboxes, type PlatformSandboxOptions } from './platform-sandboxes';
