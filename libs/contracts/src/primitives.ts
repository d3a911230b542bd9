import { z } from 'zod';

/** Shared field shapes, so every topic spells an org id or a timestamp the same way. */
export const orgId = z.string().regex(/^org_[A-Za-z0-9]{8,40}$/, 'expected an org id like org_XXXXXXXX');
export const uuid = z.uuid();
export const timestamp = z.iso.datetime({ offset: true });
export const email = z.string().trim().toLowerCase().pipe(z.email());
export const platform = z.enum(['slack', 'teams']);
export const nonEmpty = z.string().min(1);
export type Platform = z.infer<typeof platform>;

/** Lower-cased, trimmed email: the key people are matched on across platforms. */
export function normalizeEmail(value: string): string {
  return value.trim().toLowerCase();
}
