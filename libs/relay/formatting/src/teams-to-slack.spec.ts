import { teamsToSlack } from './teams-to-slack';
import { ada, frances, mary, teamsCtx, userMention } from './testing/people';

const text = (html: string): string => teamsToSlack(html, [], teamsCtx).text;

describe('teamsToSlack', () => {
  it.each([
    ['<p><strong>b</strong> <b>b</b> <em>i</em> <i>i</i> <s>s</s> <strike>s</strike></p>', '*b* *b* _i_ _i_ ~s~ ~s~'],
    ['<b>bold <i>and italic</i></b>', '*bold _and italic_*'],
    ['<b> padded </b>word', '*padded* word'],
    ['<b></b>empty', 'empty'],
    ['<b>a<br>b</b>', '*a*\n*b*'],
    ['use <code>npm test</code>', 'use `npm test`'],
    ['<pre><code class="language-ts">const a = 1 &lt; 2;\n  next</code></pre>', '```\nconst a = 1 &lt; 2;\n  next\n```'],
    ['<codeblock class="Python"><code>print(1)<br>print(2)</code></codeblock>', '```\nprint(1)\nprint(2)\n```'],
    ['<a href="https://example.com/x?a=1&amp;b=2">docs</a>', '<https://example.com/x?a=1&amp;b=2|docs>'],
    ['<a href="https://example.com">https://example.com</a>', '<https://example.com>'],
    ['<a href="https://e.com/a|b>c">x</a>', '<https://e.com/a%7Cb%3Ec|x>'],
    ['<a href="javascript:alert(1)">click</a>', 'click'],
    ['<p>one</p><p>two</p>', 'one\ntwo'],
    ['<p>one</p><p>&nbsp;</p><p>two</p>', 'one\n\ntwo'],
    ['<div>a<br>b</div><div>c</div>', 'a\nb\nc'],
    ['<ul><li>one</li><li><p>two</p><ul><li>nested</li></ul></li></ul>', '• one\n• two\n    ◦ nested'],
    ['<ol><li>first</li><li>second</li></ol>', '1. first\n2. second'],
    ['<blockquote>q1<br><br>q2</blockquote>after', '> q1\n>\n> q2\nafter'],
    ['<h2>Title</h2>body', '*Title*\nbody'],
    ['<table><tr><th>name</th><th>role</th></tr><tr><td>Ada</td><td>eng</td></tr></table>', 'name | role\nAda | eng'],
    ['<emoji id="1f44d_thumbsup" alt="👍" title="Like"></emoji> 🎉 <emoji alt="🦜"></emoji>', ':+1: :tada: :parrot:'],
    ['<span style="color:red">red</span> <u>under</u> <unknown-tag>text</unknown-tag>', 'red under text'],
    ['<script>alert(1)</script><style>p{}</style>visible', 'visible'],
    ['a   b\n\tc', 'a b c'],
    ['&lt;at id="0"&gt;x&lt;/at&gt; &lt;@U0ADA&gt; &lt;!channel&gt; &lt;https://evil|x&gt; &amp;amp;', '&lt;at id="0"&gt;x&lt;/at&gt; &lt;@U0ADA&gt; &lt;!channel&gt; &lt;https://evil|x&gt; &amp;amp;'],
    ['<b>unclosed <i>elements', '*unclosed _elements_*'],
  ])('converts %j', (html, expected) => {
    expect(text(html)).toBe(expected);
  });

  it('mentions people by their Slack account and writes the rest as text', () => {
    const result = teamsToSlack(
      '<p><at id="0">Ada Lovelace</at> <at id="1">Frances</at> <at id="2">Mary Jackson</at> <at id="3">General</at> <at id="9">Ghost</at></p>',
      [
        userMention(0, ada),
        userMention(1, frances),
        userMention(2, mary),
        { id: 3, mentionText: 'General', mentioned: { conversation: { id: '19:abc@thread.tacv2', displayName: 'General' } } },
      ],
      teamsCtx,
    );
    expect(result.text).toBe('<@U0ADA> <@U0FRA> @Mary Jackson @General @Ghost');
    expect(result.unresolvedMentions).toEqual([mary.teamsUserId]);
  });

  it('reports attachments for the caller and writes nothing for them', () => {
    const result = teamsToSlack('<attachment id="1700000000000"></attachment><p>my reply</p><attachment id="f-1"></attachment>', [], teamsCtx);
    expect(result).toEqual({ text: 'my reply', unresolvedMentions: [], attachments: ['1700000000000', 'f-1'] });
  });

  it('escapes what was typed so it cannot become a Slack mention, link or broadcast', () => {
    const result = text('<p>&lt;@U0ADA&gt; &lt;!here&gt; &lt;#C1&gt; &lt;https://evil.example|bank&gt;</p>');
    expect(result).not.toMatch(/[<>]/);
  });
});
