import { slackToTeams } from './slack-to-teams';
import { ada, grace, slackCtx, userMention } from './testing/people';

const html = (text: string): string => slackToTeams(text, slackCtx).html;

describe('slackToTeams', () => {
  it.each([
    ['*bold* _italic_ ~strike~', '<strong>bold</strong> <em>italic</em> <s>strike</s>'],
    ['*_both_*', '<strong><em>both</em></strong>'],
    ['snake_case_name and 2*3*4', 'snake_case_name and 2*3*4'],
    ['* not bold *', '* not bold *'],
    ['`a *b* <@U0ADA>`', '<code>a *b* @Ada Lovelace</code>'],
    ['```\nconst a = 1;\n  if (a &lt; 2) {}\n```', '<pre>const a = 1;\n  if (a &lt; 2) {}</pre>'],
    ['```inline```', '<pre>inline</pre>'],
    ['``` unpaired', '``` unpaired'],
    ['<https://example.com/a?b=1&amp;c=2|the docs>', '<a href="https://example.com/a?b=1&amp;c=2">the docs</a>'],
    ['<https://example.com>', '<a href="https://example.com">https://example.com</a>'],
    ['<mailto:ada@example.com|mail Ada>', '<a href="mailto:ada@example.com">mail Ada</a>'],
    ['<javascript:alert(1)|click>', 'click'],
    ['one\ntwo\n\nthree', 'one<br>two<br><br>three'],
    ['&gt; quoted *line*\n&gt; second\nafter', '<blockquote>quoted <strong>line</strong><br>second</blockquote>after'],
    ['&gt;&gt;&gt; all\nof this', '<blockquote>all<br>of this</blockquote>'],
    ['• one\n• two\n    ◦ nested', '<ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul>'],
    ['1. first\n2. second', '<ol><li>first</li><li>second</li></ol>'],
    ['3. not a list', '3. not a list'],
    ['- dash stays text', '- dash stays text'],
    ['a &amp; b &lt;i&gt; &copy;', 'a &amp; b &lt;i&gt; &amp;copy;'],
    [':thumbsup: :+1::skin-tone-6: :tada:', '👍 👍🏿 🎉'],
    ['at 12:30:45', 'at 12:30:45'],
  ])('converts %j', (text, expected) => {
    expect(html(text)).toBe(expected);
  });

  it('keeps custom emoji as text and reports them', () => {
    const result = slackToTeams(':partyparrot: and :tada:', slackCtx);
    expect(result.html).toBe(':partyparrot: and 🎉');
    expect(result.unknownEmoji).toEqual(['partyparrot']);
  });

  it('mentions a person by their Teams account, once per occurrence', () => {
    const result = slackToTeams('hi <@U0ADA>, and <@U0ADA> again', slackCtx);
    expect(result.html).toBe('hi <at id="0">Ada Lovelace</at>, and <at id="1">Ada Lovelace</at> again');
    expect(result.mentions).toEqual([userMention(0, ada), userMention(1, ada)]);
    expect(result.unresolvedMentions).toEqual([]);
  });

  it('writes someone without a Teams account, or unknown to Parley, as text and reports them', () => {
    const result = slackToTeams(`<@${grace.slackUserId}> <@U0NOBODY|bob> <@U0GHOST>`, slackCtx);
    expect(result.html).toBe('@Grace Brewster @bob @U0GHOST');
    expect(result.mentions).toEqual([]);
    expect(result.unresolvedMentions).toEqual([grace.slackUserId, 'U0NOBODY', 'U0GHOST']);
  });

  it('turns broadcasts, user groups and channels into harmless text', () => {
    expect(html('<!channel> <!here> <!everyone> <!subteam^S1|@devs> <!subteam^S2> <#C0GEN> <#C9|random> <!date^1392734382^{date}|Feb 18>')).toBe(
      '@channel @here @everyone @devs @group #general #random Feb 18',
    );
  });

  it('shows typed markup as text, never as markup, a mention or a link', () => {
    // What Slack sends when someone types these characters: &, < and > escaped.
    const typed = '&lt;at id="0"&gt;Ada&lt;/at&gt; &lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; &lt;!channel&gt; &lt;@U0ADA&gt; &lt;https://evil|x&gt;';
    const result = slackToTeams(typed, slackCtx);
    expect(result.html).toBe(
      '&lt;at id=&quot;0&quot;&gt;Ada&lt;/at&gt; &lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; &lt;!channel&gt; &lt;@U0ADA&gt; &lt;https://evil|x&gt;',
    );
    expect(result.mentions).toEqual([]);
  });

  it('escapes quotes in a link target so it cannot leave the attribute', () => {
    expect(html('<https://e.com/"onmouseover="x|y>')).toBe('<a href="https://e.com/&quot;onmouseover=&quot;x">y</a>');
  });
});
