import type { Platform } from '@parley/contracts';

export type PrimarySource = 'rule' | 'admin';
export type PersonStatus = 'active' | 'deactivated';

/** A person's own account on a platform, as the directories report it. */
export interface NativeAccount {
  readonly platform: Platform;
  /** needs_attention is about Parley's credential for the account, not about the person: it counts as active here. */
  readonly status: 'active' | 'deactivated' | 'needs_attention';
}

export interface PersonStanding {
  readonly primaryPlatform: Platform | null;
  readonly primarySource: PrimarySource | null;
  readonly status: PersonStatus;
}

/**
 * The primary platform: where the person has a native account. With native accounts on both, the one that is still
 * active wins; when both are active (or both deactivated), `whenBoth` decides. An admin's explicit choice is kept.
 */
export function primaryPlatformOf(
  natives: readonly NativeAccount[],
  whenBoth: Platform,
  current: { readonly platform: Platform | null; readonly source: PrimarySource | null },
): { platform: Platform | null; source: PrimarySource | null } {
  if (current.source === 'admin' && current.platform !== null) return { platform: current.platform, source: 'admin' };
  const platforms = new Set(natives.map((a) => a.platform));
  if (platforms.size === 0) return { platform: null, source: null };
  if (platforms.size === 1) return { platform: [...platforms][0] as Platform, source: 'rule' };
  const active = new Set(natives.filter((a) => a.status !== 'deactivated').map((a) => a.platform));
  if (active.size === 1) return { platform: [...active][0] as Platform, source: 'rule' };
  return { platform: whenBoth, source: 'rule' };
}

/**
 * Deactivated when their native account on the primary platform is deactivated. Without a native account there (an
 * admin pointed them elsewhere), active while any native account of theirs is.
 */
export function personStatusOf(natives: readonly NativeAccount[], primary: Platform | null): PersonStatus {
  const onPrimary = natives.filter((a) => a.platform === primary);
  const relevant = onPrimary.length > 0 ? onPrimary : natives;
  if (relevant.length === 0) return 'active';
  return relevant.some((a) => a.status !== 'deactivated') ? 'active' : 'deactivated';
}

/** Both at once, as the handlers and PATCH apply them. */
export function standingOf(
  natives: readonly NativeAccount[],
  whenBoth: Platform,
  current: { readonly platform: Platform | null; readonly source: PrimarySource | null },
): PersonStanding {
  const primary = primaryPlatformOf(natives, whenBoth, current);
  return { primaryPlatform: primary.platform, primarySource: primary.source, status: personStatusOf(natives, primary.platform) };
}
