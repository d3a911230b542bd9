import { randomInt } from 'node:crypto';

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
/** Symbols Entra accepts in passwords; none needs quoting in JSON or a form body. */
const SYMBOLS = '!#$%*+-=?@^_.';
const CLASSES = [UPPER, LOWER, DIGITS, SYMBOLS] as const;

export const GUEST_PASSWORD_LENGTH = 24;

/**
 * A password for a guest's home account. Entra wants 8 to 256 characters from at least three of upper case, lower
 * case, digits and symbols; this has 24, at least three of each class, drawn with crypto.randomInt (no modulo bias)
 * and shuffled, so ~150 bits of entropy. Look-alike characters (O/0, l/1/I) are left out for an admin reading it.
 */
export function generateGuestPassword(length = GUEST_PASSWORD_LENGTH): string {
  if (length < CLASSES.length * 3 || length > 256) throw new RangeError(`a guest password has ${CLASSES.length * 3} to 256 characters`);
  const all = CLASSES.join('');
  const chars: string[] = [];
  for (const set of CLASSES) for (let i = 0; i < 3; i++) chars.push(pick(set));
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}

/** Entra's complexity rule for cloud accounts: 8 to 256 characters, three of the four classes, no whitespace. */
export function meetsEntraComplexity(password: string): boolean {
  if (password.length < 8 || password.length > 256 || /\s/.test(password)) return false;
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  return classes >= 3;
}

function pick(set: string): string {
  return set[randomInt(set.length)] as string;
}
