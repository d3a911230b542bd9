import { z } from 'zod';
import { ConfigError, defineConfigSection } from '@parley/config';
import { KEY_ID_PATTERN, KEY_ID_RULE, parseKeyList } from './vault-key';
import type { VaultKeys } from './vault-keyring';

/**
 * PARLEY_VAULT_KEYS=`k2025-11:<base64>,k2026-01:<base64>` and PARLEY_VAULT_ACTIVE_KEY=`k2026-01`. Problems name the
 * variable and the entry, never the key; the parsed keys are Secrets.
 */
export const vaultConfigSection = defineConfigSection(
  'vault',
  {
    PARLEY_VAULT_KEYS: z.string().transform((text, ctx) => {
      const parsed = parseKeyList(text);
      if ('problem' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }
      return parsed.keys;
    }),
    PARLEY_VAULT_ACTIVE_KEY: z.string().regex(KEY_ID_PATTERN, `a key id: ${KEY_ID_RULE}`),
  },
  (v): VaultKeys => {
    // A cross-variable rule: zod sees one variable at a time, so it is checked here, in the same error format.
    if (!v.PARLEY_VAULT_KEYS.has(v.PARLEY_VAULT_ACTIVE_KEY)) {
      throw new ConfigError([`PARLEY_VAULT_ACTIVE_KEY: malformed (names no key in PARLEY_VAULT_KEYS)`]);
    }
    return { keys: v.PARLEY_VAULT_KEYS, activeKeyId: v.PARLEY_VAULT_ACTIVE_KEY };
  },
);

export type VaultConfig = ReturnType<typeof vaultConfigSection.map>;
