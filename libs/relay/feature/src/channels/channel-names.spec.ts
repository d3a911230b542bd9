import fc from 'fast-check';
import { slackChannelName, teamsChannelName } from './channel-names';

describe('channel names for "create the twin"', () => {
  it('makes a Teams name a valid Slack name', () => {
    expect(slackChannelName('Product Launch – Q3')).toBe('product-launch-q3');
    expect(slackChannelName('Équipe Café')).toBe('equipe-cafe');
    expect(slackChannelName('***')).toBe('linked-channel');
    expect(slackChannelName('a'.repeat(200))).toHaveLength(80);
  });

  it('makes a Slack name a valid Teams name', () => {
    expect(teamsChannelName('eng-platform')).toBe('eng-platform');
    expect(teamsChannelName('_private#ops?')).toBe('private ops');
    expect(teamsChannelName('x'.repeat(90))).toHaveLength(50);
  });

  it('always gives a name the platform accepts, whatever comes in', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (name) => {
        const slack = slackChannelName(name);
        expect(slack).toMatch(/^[a-z0-9_-]{1,80}$/);
        expect(slack).not.toMatch(/^-|-$/);
        const teams = teamsChannelName(name);
        expect(teams.length).toBeGreaterThan(0);
        expect(teams.length).toBeLessThanOrEqual(50);
        expect(teams).not.toMatch(/[~#%&*{}+/\\:<>?|'"]/);
        expect(teams).not.toMatch(/^[_.\s]|\s$/);
      }),
    );
  });
});
