import { ProblemException } from '@parley/service-runtime';
import { SlackApiError, SlackRateLimitedError, SlackUnavailableError } from '@parley/slack-connector-slack-access';
import { ConnectionNotFoundError } from '../connections/slack-connections';
import { asProblem } from './channels.controller';
import { ChannelNameRefusedError, ChannelNotFoundError } from './slack-channels';

const problem = (error: unknown) => {
  const answer = asProblem(error);
  expect(answer).toBeInstanceOf(ProblemException);
  const p = answer as ProblemException;
  return { status: p.getStatus(), type: p.problemType, detail: p.detail, errors: p.errors };
};

describe('the channel routes answer Slack as problems', () => {
  it('404 for a channel the app cannot see, naming Slack reason, and for a connection that is gone', () => {
    expect(problem(new ChannelNotFoundError('C1', 'channel_not_found'))).toMatchObject({ status: 404, detail: expect.stringContaining('(channel_not_found)') });
    expect(problem(new ChannelNotFoundError('D1', 'a DM, not a channel'))).toMatchObject({ status: 404, detail: expect.stringContaining('a DM, not a channel') });
    expect(problem(new ConnectionNotFoundError('org_1', 'c1'))).toMatchObject({ status: 404 });
  });

  it('409 channel-name-taken for a taken name, 422 naming `name` for an invalid one', () => {
    expect(problem(new ChannelNameRefusedError('design', 'name_taken'))).toMatchObject({
      status: 409,
      type: 'https://parley.dev/problems/channel-name-taken',
      detail: expect.stringContaining('name_taken'),
    });
    expect(problem(new ChannelNameRefusedError('Design!', 'invalid_name_specials'))).toMatchObject({
      status: 422,
      type: 'urn:parley:problem:invalid-request',
      errors: [{ field: 'name', message: 'invalid_name_specials' }],
    });
  });

  it('403 with what to fix for a refused token or a missing scope, 503 when Slack is down or limits us, 502 for other refusals', () => {
    expect(problem(new SlackApiError('conversations.create', 'missing_scope', 'channels:manage', 'chat:write'))).toMatchObject({ status: 403, detail: expect.stringContaining('channels:manage') });
    expect(problem(new SlackApiError('conversations.info', 'invalid_auth'))).toMatchObject({ status: 403, detail: expect.stringContaining('reconnect Slack') });
    expect(problem(new SlackUnavailableError('Slack conversations.info answered HTTP 503', 503))).toMatchObject({ status: 503, type: 'https://parley.dev/problems/platform-unavailable' });
    expect(problem(new SlackRateLimitedError('conversations.info', 30, 7))).toMatchObject({ status: 503 });
    expect(problem(new SlackApiError('conversations.create', 'restricted_action'))).toMatchObject({ status: 502, detail: expect.stringContaining('restricted_action') });
  });

  it('leaves anything else to the runtime (a 500 that shows nothing)', () => {
    const bug = new TypeError('x is undefined');
    expect(asProblem(bug)).toBe(bug);
  });
});
