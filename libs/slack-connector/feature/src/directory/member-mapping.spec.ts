import { DirectoryUserObservedV1 } from '@parley/contracts';
import type { SlackMember } from '@parley/slack-connector-slack-access';
import { botPlaceholderEmail, decideMember, isBotMember, planObservations, type ObservationContext } from './member-mapping';

const ctx: ObservationContext = {
  orgId: 'org_3f9a2c1b7d',
  syncId: '0b6f3a52-6d8e-4c61-9f0e-2a1f4b7c9d10',
  teamId: 'T0SANDBOX',
  observedAt: '2026-11-27T10:00:01.000Z',
  mirrorIds: new Set(['UMIRROR1']),
};

const ada: SlackMember = {
  id: 'U0ADA',
  name: 'ada',
  real_name: 'Ada Lovelace',
  deleted: false,
  is_bot: false,
  profile: { email: ' Ada@Example.com ', real_name: 'Ada Lovelace', display_name: 'Ada', image_192: 'https://avatars.example/U0ADA_192.png' },
};

describe('decideMember', () => {
  it('maps a person to an observation the contract accepts', () => {
    const decision = decideMember(ada, ctx);
    expect(decision).toEqual({
      kind: 'observe',
      observation: {
        orgId: ctx.orgId,
        syncId: ctx.syncId,
        platform: 'slack',
        platformUserId: 'U0ADA',
        email: 'ada@example.com',
        displayName: 'Ada',
        realName: 'Ada Lovelace',
        avatarUrl: 'https://avatars.example/U0ADA_192.png',
        isBot: false,
        isDeactivated: false,
        observedAt: ctx.observedAt,
      },
    });
    if (decision.kind === 'observe') expect(DirectoryUserObservedV1.schema.safeParse(decision.observation).success).toBe(true);
  });

  it('falls back from display name to real name to handle', () => {
    const noDisplay = decideMember({ ...ada, profile: { ...ada.profile, display_name: '  ' } }, ctx);
    expect(noDisplay.kind === 'observe' && noDisplay.observation.displayName).toBe('Ada Lovelace');
    const handleOnly = decideMember({ id: 'U1', name: 'grace', profile: { email: 'grace@example.com' } }, ctx);
    expect(handleOnly.kind === 'observe' && handleOnly.observation).toMatchObject({ displayName: 'grace' });
    expect(handleOnly.kind === 'observe' && 'realName' in handleOnly.observation).toBe(false);
  });

  it('flags deactivated members', () => {
    const gone = decideMember({ ...ada, deleted: true }, ctx);
    expect(gone.kind === 'observe' && gone.observation.isDeactivated).toBe(true);
  });

  it('leaves the avatar out when Slack has none usable', () => {
    const none = decideMember({ ...ada, profile: { ...ada.profile, image_192: '' } }, ctx);
    expect(none.kind === 'observe' && 'avatarUrl' in none.observation).toBe(false);
    const odd = decideMember({ ...ada, profile: { ...ada.profile, image_192: 'javascript:alert(1)' } }, ctx);
    expect(odd.kind === 'observe' && 'avatarUrl' in odd.observation).toBe(false);
  });

  it('recognises bots, app users, workflow bots and Slackbot', () => {
    expect(isBotMember({ id: 'USLACKBOT' })).toBe(true);
    expect(isBotMember({ id: 'U1', is_bot: true })).toBe(true);
    expect(isBotMember({ id: 'U1', is_app_user: true })).toBe(true);
    expect(isBotMember({ id: 'U1', is_workflow_bot: true })).toBe(true);
    expect(isBotMember(ada)).toBe(false);
  });

  it('observes a bot without an email under a reserved .invalid address', () => {
    const bot = decideMember({ id: 'B0DEPLOY', name: 'deploybot', real_name: 'Deploy Bot', is_bot: true, profile: { real_name: 'Deploy Bot' } }, ctx);
    expect(bot).toMatchObject({ kind: 'observe', observation: { isBot: true, email: 'b0deploy@t0sandbox.bots.slack.invalid', displayName: 'Deploy Bot' } });
    expect(botPlaceholderEmail({ id: 'USLACKBOT' }, 'T1')).toBe('uslackbot@t1.bots.slack.invalid');
    if (bot.kind === 'observe') expect(DirectoryUserObservedV1.schema.safeParse(bot.observation).success).toBe(true);
  });

  it('keeps a bot that has a real email', () => {
    const bot = decideMember({ id: 'U9', is_bot: true, profile: { email: 'ops@example.com' } }, ctx);
    expect(bot.kind === 'observe' && bot.observation.email).toBe('ops@example.com');
  });

  it("skips Parley's own SCIM mirrors and humans without an email", () => {
    expect(decideMember({ ...ada, id: 'UMIRROR1' }, ctx)).toEqual({ kind: 'skip', reason: 'parley_mirror' });
    expect(decideMember({ id: 'U2', name: 'nomail', profile: {} }, ctx)).toEqual({ kind: 'skip', reason: 'no_email' });
    expect(decideMember({ id: 'U3', name: 'bad', profile: { email: 'not-an-email' } }, ctx)).toEqual({ kind: 'skip', reason: 'no_email' });
  });
});

describe('planObservations', () => {
  it('counts what it skipped and observes a member listed twice once', () => {
    const plan = planObservations([ada, ada, { ...ada, id: 'UMIRROR1' }, { id: 'U2', profile: {} }, { id: 'USLACKBOT', name: 'slackbot' }], ctx);
    expect(plan.observations.map((o) => o.platformUserId)).toEqual(['U0ADA', 'USLACKBOT']);
    expect(plan.skippedMirrors).toBe(1);
    expect(plan.skippedWithoutEmail).toEqual(['U2']);
  });
});
