import { defineConfigSection, env } from '@parley/config';
import type { Platform } from '@parley/contracts';
import type { VaultConfig } from '@parley/identity-credential-vault';

/**
 * identity's own settings. `PARLEY_PRIMARY_WHEN_BOTH` decides the primary platform of someone with a native account on
 * both (teams by default: a person with a Teams licence speaks natively there); `PARLEY_CONSENT_TTL_SECONDS` is how
 * long a consent link's single-use state stays valid; `PARLEY_CONSENT_PROMPT_TTL_SECONDS` how long the link in the one prompt a
 * person gets on Teams keeps working (each click trades it for a fresh state).
 */
export const identityConfigSection = defineConfigSection(
  'identity',
  {
    PARLEY_PRIMARY_WHEN_BOTH: env.oneOf(['slack', 'teams'] as const, 'teams'),
    PARLEY_CONSENT_TTL_SECONDS: env.int(900, 60),
    PARLEY_CONSENT_PROMPT_TTL_SECONDS: env.int(30 * 24 * 3600, 3600),
  },
  (v): IdentitySettings => ({
    primaryWhenBoth: v.PARLEY_PRIMARY_WHEN_BOTH,
    consentTtlSeconds: v.PARLEY_CONSENT_TTL_SECONDS,
    consentPromptTtlSeconds: v.PARLEY_CONSENT_PROMPT_TTL_SECONDS,
  }),
);

export interface IdentitySettings {
  readonly primaryWhenBoth: Platform;
  readonly consentTtlSeconds: number;
  readonly consentPromptTtlSeconds: number;
}

/** What arrives under SERVICE_CONFIG, keyed as identityService.configSections declares. */
export interface IdentityServiceConfig {
  readonly vault?: VaultConfig;
  readonly identity?: IdentitySettings;
}

/** Injection tokens of identity's own providers. */
export const IDENTITY_SETTINGS = Symbol('IDENTITY_SETTINGS');
export const CREDENTIALS = Symbol('CREDENTIALS');
export const TOKEN_ENDPOINT = Symbol('TOKEN_ENDPOINT');
/** The gateway's public URL (`PARLEY_PUBLIC_URL`), for the links in the prompts identity asks a connector to post. */
export const IDENTITY_PUBLIC_URL = Symbol('IDENTITY_PUBLIC_URL');

/** identity owns this schema (services.identity.schema); its SQL names it explicitly. */
export const IDENTITY_SCHEMA = 'identity';
