import { defineConfigSection, env } from '@parley/config';

/** Injection token for the gateway's public base URL (a string without a trailing slash). */
export const PUBLIC_URL = Symbol('PUBLIC_URL');

export const DEFAULT_PUBLIC_URL = 'http://localhost:3000';

/**
 * Where people's browsers reach the gateway (`PARLEY_PUBLIC_URL`). Account Sync's consent links send the person
 * back to `<public url>/auth/callback`, which must be a redirect URI the Teams app registration lists. The default
 * is the gateway on this machine, which the Graph sandbox's app registers.
 */
export const publicUrlConfigSection = defineConfigSection(
  'gatewayPublic',
  { PARLEY_PUBLIC_URL: env.url(['http', 'https']).default(DEFAULT_PUBLIC_URL) },
  (v) => ({ publicUrl: v.PARLEY_PUBLIC_URL.replace(/\/+$/, '') }),
);

export type PublicUrlConfig = ReturnType<typeof publicUrlConfigSection.map>;

/** The gateway's own config sections, as its ServiceDefinition declares them (keys do not clash with the runtime's). */
export const gatewayConfigSections = { gatewayPublic: publicUrlConfigSection } as const;

/** The public URL from the service's parsed config; the default when the runtime passed none (tests, old launchers). */
export function publicUrlFrom(serviceConfig: Readonly<Record<string, unknown>> | undefined): string {
  const own = serviceConfig?.['gatewayPublic'] as PublicUrlConfig | undefined;
  return (own ?? publicUrlConfigSection.map(publicUrlConfigSection.schema.parse({}))).publicUrl;
}

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
