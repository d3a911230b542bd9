import { Secret } from '@parley/config';

/** Key ids appear inside every sealed string, so they are short and use no separator character. */
export const KEY_ID_PATTERN = /^[a-z0-9-]{1,32}$/;
export const KEY_ID_RULE = '1 to 32 characters of a-z, 0-9 and -';

/** AES-256 needs exactly 32 bytes. */
export const KEY_BYTES = 32;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes a key strictly: Buffer.from() silently skips stray characters, which would hide a mangled key. */
export function decodeKeyMaterial(base64: string): Buffer | undefined {
  if (!BASE64.test(base64)) return undefined;
  const bytes = Buffer.from(base64, 'base64');
  return bytes.length === KEY_BYTES ? bytes : undefined;
}

export type ParsedKeyList = { readonly keys: ReadonlyMap<string, Secret> } | { readonly problem: string };

/**
 * Parses `keyId:base64key[,keyId:base64key...]`. A problem names the entry by position or by its (validated) id and
 * never repeats what was written, because a misplaced separator can put key material where an id was expected.
 */
export function parseKeyList(text: string): ParsedKeyList {
  const keys = new Map<string, Secret>();
  const entries = text.split(',');
  for (const [index, raw] of entries.entries()) {
    const entry = raw.trim();
    const position = `entry ${index + 1} of ${entries.length}`;
    const separator = entry.indexOf(':');
    if (separator < 0) return { problem: `${position} is not keyId:base64key` };
    const keyId = entry.slice(0, separator);
    if (!KEY_ID_PATTERN.test(keyId)) return { problem: `${position}: the key id must be ${KEY_ID_RULE}` };
    if (keys.has(keyId)) return { problem: `key id "${keyId}" appears more than once` };
    const material = entry.slice(separator + 1);
    if (!decodeKeyMaterial(material)) {
      return { problem: `key "${keyId}" must be ${KEY_BYTES} bytes in base64 (for example \`openssl rand -base64 32\`)` };
    }
    keys.set(keyId, new Secret(material));
  }
  return { keys };
}
