import { escapeMrkdwn, noticeText } from './notice-text';

describe('notice text', () => {
  it('keeps mentions, broadcasts and links typed as text from becoming markup', () => {
    expect(escapeMrkdwn('<!channel> <@U123> <https://evil.example|click> & more')).toBe('&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; &amp; more');
  });

  it('adds the offered link, encoded so its URL and label cannot break out', () => {
    expect(noticeText('Connect once.', { url: 'https://parley.example.com/auth/slack/start?state=a&b=c|d>e', label: 'Connect <Slack> | now' })).toBe(
      'Connect once.\n<https://parley.example.com/auth/slack/start?state=a&amp;b=c%7Cd%3Ee|Connect &lt;Slack&gt; ¦ now>',
    );
    expect(() => noticeText('x', { url: 'javascript:alert(1)', label: 'x' })).toThrow('link.url');
  });
});
