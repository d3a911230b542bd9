import { publicUrlSection } from '@parley/config';

/** Injection token for the gateway's public base URL (a string without a trailing slash). */
export const PUBLIC_URL = Symbol('PUBLIC_URL');

export { DEFAULT_PUBLIC_URL, publicUrlFrom, type PublicUrlConfig } from '@parley/config';
/** The section lives in @parley/config: identity reads the same `PARLEY_PUBLIC_URL` to link its consent prompts. */
export const publicUrlConfigSection = publicUrlSection;

/** The gateway's own config sections, as its ServiceDefinition declares them (keys do not clash with the runtime's). */
export const gatewayConfigSections = { gatewayPublic: publicUrlConfigSection } as const;

/** Where the identity platform sends the person's browser after consent. */
export function consentRedirectUri(publicUrl: string): string {
  return `${publicUrl}/auth/callback`;
}

/**
 * Where Slack sends the person's browser after their Slack consent: a path of its own, so an `error` Slack sends
 * (which carries no hint of the platform) is explained in Slack's words. The Slack app must list the public URL (or
 * this URL) among its Redirect URLs.
 */
export function slackConsentRedirectUri(publicUrl: string): string {
  return `${publicUrl}/auth/slack/callback`;
}
