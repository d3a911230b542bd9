import { email as emailSchema, type PayloadIn } from '@parley/contracts';
import type { SlackMember } from '@parley/slack-connector-slack-access';

export type Observation = PayloadIn<'parley.directory.user.observed.v1'>;

export interface ObservationContext {
  readonly orgId: string;
  readonly syncId: string;
  readonly teamId: string;
  readonly observedAt: string;
  /** Slack user ids of the SCIM mirrors Parley made in this workspace: they are Parley's, not people to import. */
  readonly mirrorIds: ReadonlySet<string>;
}

export type MemberDecision =
  | { readonly kind: 'observe'; readonly observation: Observation }
  | { readonly kind: 'skip'; readonly reason: 'parley_mirror' | 'no_email' };

/** Slackbot, bot users, app users and workflow bots: never people. */
export function isBotMember(member: SlackMember): boolean {
  return member.id === 'USLACKBOT' || member.is_bot === true || member.is_app_user === true || member.is_workflow_bot === true;
}

/**
 * Bots have no email in Slack, but every observation carries one (identity keys observations by it). A bot gets an
 * address under the reserved `.invalid` TLD (RFC 2606): recognisably not a mailbox, never a person's, and stable.
 */
export function botPlaceholderEmail(member: SlackMember, teamId: string): string {
  return `${member.id}@${teamId}.bots.slack.invalid`.toLowerCase();
}

/** An http(s) URL, or undefined: the contract wants a URL and Slack's profile may hold an empty string. */
function httpUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? value : undefined;
  } catch {
    return undefined;
  }
}

function nonBlank(...values: (string | undefined)[]): string | undefined {
  return values.map((v) => v?.trim()).find((v): v is string => !!v);
}

/**
 * One users.list member -> what identity should hear about it. Parley's own SCIM mirrors are skipped (they stand
 * for people of the other platform); a human without an email cannot be matched to anyone and is skipped; bots are
 * observed with isBot so identity records them without making people of them.
 */
export function decideMember(member: SlackMember, ctx: ObservationContext): MemberDecision {
  if (ctx.mirrorIds.has(member.id)) return { kind: 'skip', reason: 'parley_mirror' };
  const isBot = isBotMember(member);
  const parsedEmail = emailSchema.safeParse(member.profile?.email ?? '');
  const address = parsedEmail.success ? parsedEmail.data : isBot ? botPlaceholderEmail(member, ctx.teamId) : undefined;
  if (!address) return { kind: 'skip', reason: 'no_email' };
  const realName = nonBlank(member.profile?.real_name, member.real_name);
  const observation: Observation = {
    orgId: ctx.orgId,
    syncId: ctx.syncId,
    platform: 'slack',
    platformUserId: member.id,
    email: address,
    displayName: nonBlank(member.profile?.display_name, realName, member.name) ?? member.id,
    ...(realName ? { realName } : {}),
    ...(httpUrl(member.profile?.image_192) ? { avatarUrl: member.profile?.image_192 } : {}),
    isBot,
    isDeactivated: member.deleted === true,
    observedAt: ctx.observedAt,
  };
  return { kind: 'observe', observation };
}

export interface ObservationPlan {
  readonly observations: Observation[];
  readonly skippedMirrors: number;
  /** Humans without an email: identity could never match them, so they are left out (and counted in a log line). */
  readonly skippedWithoutEmail: string[];
}

/** Decides every member of one import; a member listed twice (pages shifting under a cursor) counts once. */
export function planObservations(members: Iterable<SlackMember>, ctx: ObservationContext): ObservationPlan {
  const seen = new Set<string>();
  const observations: Observation[] = [];
  const skippedWithoutEmail: string[] = [];
  let skippedMirrors = 0;
  for (const member of members) {
    if (!member.id || seen.has(member.id)) continue;
    seen.add(member.id);
    const decision = decideMember(member, ctx);
    if (decision.kind === 'observe') observations.push(decision.observation);
    else if (decision.reason === 'parley_mirror') skippedMirrors++;
    else skippedWithoutEmail.push(member.id);
  }
  return { observations, skippedMirrors, skippedWithoutEmail };
}
