import type { PayloadIn } from '@parley/contracts';
import type { AccountView, PersonView } from '@parley/internal-api';

export type SyncMode = 'guest' | 'account';
export type TaskAction = 'create_guest' | 'create_mirror' | 'disable_guest' | 'deactivate_mirror';

/** One command to a connector, as planned for one person; its action is the task's key with the person. */
export type PlannedCommand =
  | { readonly action: 'create_guest'; readonly payload: PayloadIn<'parley.teams.guest.create.requested.v1'> }
  | { readonly action: 'create_mirror'; readonly payload: PayloadIn<'parley.slack.mirror.create.requested.v1'> }
  | { readonly action: 'disable_guest'; readonly payload: PayloadIn<'parley.teams.guest.disable.requested.v1'> }
  | { readonly action: 'deactivate_mirror'; readonly payload: PayloadIn<'parley.slack.mirror.deactivate.requested.v1'> };

/** What a job knows when it plans: whose people, which mode, and the connections the commands go through. */
export interface PlanContext {
  readonly orgId: string;
  readonly syncId: string;
  readonly mode: SyncMode;
  readonly slackConnectionId: string;
  readonly teamsConnectionId: string;
  /** The Teams connection's configured teams: every new guest joins them. */
  readonly teamIds: readonly string[];
}

/**
 * The decision for one person. `skipped` people are not part of the job (not counted); `linked`, `unchanged` and
 * `error` are finished as soon as they are planned; `tasks` wait for the connectors' results.
 */
export type PersonPlan =
  | { readonly outcome: 'skipped' }
  | { readonly outcome: 'linked' }
  | { readonly outcome: 'unchanged' }
  | { readonly outcome: 'error'; readonly reason: string }
  | { readonly outcome: 'tasks'; readonly commands: readonly PlannedCommand[] };

export const WAITING_FOR_CONSENT =
  'waiting for consent: the person has not yet granted Parley access to their Teams account (send them their consent link)';
export const NO_TEAMS_ACCOUNT = 'no Teams account: use guest mode';

/**
 * The plan table of docs/user-sync.md for one person, as a pure function. Bots never reach here: identity does not
 * make people of them.
 */
export function planPerson(person: PersonView, context: PlanContext): PersonPlan {
  const slackNative = findAccount(person, 'slack', 'native');
  const teamsNative = findAccount(person, 'teams', 'native');
  const guest = findAccount(person, 'teams', 'guest');
  const mirror = findAccount(person, 'slack', 'mirror');

  if (person.status === 'deactivated') {
    // Undo what Parley made for them; a guest or mirror that needs attention still exists, so it is undone too,
    // unless it was never made (no platform id: its create command was dead-lettered).
    const commands: PlannedCommand[] = [];
    if (guest?.platformUserId && guest.status !== 'deactivated') commands.push(disableGuest(person, guest.platformUserId, context));
    if (mirror?.platformUserId && mirror.status !== 'deactivated') commands.push(deactivateMirror(person, { ...mirror, platformUserId: mirror.platformUserId }, context));
    return commands.length > 0 ? { outcome: 'tasks', commands } : { outcome: 'skipped' };
  }

  if (slackNative && teamsNative) {
    if (context.mode === 'guest' || teamsNative.consented === true) return { outcome: 'linked' };
    return { outcome: 'error', reason: WAITING_FOR_CONSENT };
  }

  if (slackNative) {
    // Slack-primary with no Teams account of their own: Teams knows them through a guest.
    if (guest?.status === 'active') return { outcome: 'unchanged' };
    // needs_attention: creating again re-signs in the existing guest (the connector finds it, no second guest).
    if (guest) return { outcome: 'tasks', commands: [createGuest(person, context)] };
    if (context.mode === 'account') return { outcome: 'error', reason: NO_TEAMS_ACCOUNT };
    return { outcome: 'tasks', commands: [createGuest(person, context)] };
  }

  if (teamsNative) {
    // Teams-primary with no Slack account of their own: Slack knows them through a mirror.
    if (mirror?.status === 'active') return { outcome: 'unchanged' };
    return { outcome: 'tasks', commands: [createMirror(person, context)] };
  }

  // No native account anywhere (nothing identity would normally make a person of): nothing to provision.
  return { outcome: 'skipped' };
}

function findAccount(person: PersonView, platform: 'slack' | 'teams', kind: AccountView['kind']): AccountView | undefined {
  const matches = person.accounts.filter((a) => a.platform === platform && a.kind === kind);
  // Prefer a live account when identity knows several (an old deactivated one and a new one).
  return matches.find((a) => a.status !== 'deactivated') ?? matches[0];
}

const nameOf = (person: PersonView): string => person.displayName.trim() || person.email;
const base = (person: PersonView, context: PlanContext) => ({ orgId: context.orgId, syncId: context.syncId, personId: person.id });

function createGuest(person: PersonView, context: PlanContext): PlannedCommand {
  return {
    action: 'create_guest',
    payload: {
      ...base(person, context),
      connectionId: context.teamsConnectionId,
      email: person.email,
      displayName: nameOf(person),
      teamIds: [...context.teamIds],
    },
  };
}

function createMirror(person: PersonView, context: PlanContext): PlannedCommand {
  return {
    action: 'create_mirror',
    payload: { ...base(person, context), connectionId: context.slackConnectionId, email: person.email, displayName: nameOf(person) },
  };
}

function disableGuest(person: PersonView, guestUserId: string, context: PlanContext): PlannedCommand {
  return {
    action: 'disable_guest',
    payload: { ...base(person, context), connectionId: context.teamsConnectionId, guestUserId },
  };
}

function deactivateMirror(person: PersonView, mirror: AccountView & { platformUserId: string }, context: PlanContext): PlannedCommand {
  return {
    action: 'deactivate_mirror',
    payload: {
      ...base(person, context),
      connectionId: context.slackConnectionId,
      kind: mirrorKindOf(mirror),
      mirrorId: mirror.platformUserId,
    },
  };
}

/**
 * The mirror's kind as identity recorded it from slack-connector's event. Should a view ever lack it, the id's shape
 * still tells: a SCIM mirror is a real Slack user (U024BE7LH, W0123ABCD); a profile mirror has Parley's own id.
 */
export function mirrorKindOf(mirror: { readonly platformUserId: string; readonly mirrorKind?: AccountView['mirrorKind'] }): 'scim' | 'profile' {
  return mirror.mirrorKind ?? (/^[UW][A-Z0-9]{2,}$/.test(mirror.platformUserId) ? 'scim' : 'profile');
}
