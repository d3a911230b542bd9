import { randomInt } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `org_` + 16 base62 characters (about 95 bits), within the contracts' /^org_[A-Za-z0-9]{8,40}$/. */
export function newOrgId(): string {
  let out = 'org_';
  for (let i = 0; i < 16; i++) out += BASE62[randomInt(BASE62.length)];
  return out;
}
