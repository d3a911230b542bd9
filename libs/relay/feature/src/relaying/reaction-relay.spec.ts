import { writtenAtOf } from './reaction-relay';

describe('writtenAtOf (when a reacted message was written, from its id)', () => {
  it('reads a Slack ts as epoch seconds and a Teams message id as epoch milliseconds', () => {
    expect(writtenAtOf('slack', '1796586227.443000')).toBe(1_796_586_227_443);
    expect(writtenAtOf('teams', '1796586215294')).toBe(1_796_586_215_294);
  });

  it('knows nothing of ids of other shapes', () => {
    expect(writtenAtOf('slack', 'T-51')).toBeNaN();
    expect(writtenAtOf('teams', '500.1')).toBeNaN();
    expect(writtenAtOf('teams', '17965862152940')).toBeNaN();
  });
});
