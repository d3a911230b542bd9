import { contentHash, escapeHtml, readableText } from './content';
import { graphMessage } from './message-deliverer';
import { noticeHtml } from './notice-poster';

describe('readable text and its hash', () => {
  it('keeps what a person reads: tags dropped, entities decoded, whitespace collapsed', () => {
    expect(readableText('<p>hi <at id="0">Grace</at> &amp; <b>all</b></p>\n<p>next&nbsp;line</p>')).toBe('hi Grace & all next line');
    expect(readableText('&#60;x&#x3e; &lt;y&gt; &quot;z&quot; &#39;q&#39; &unknown;')).toBe('<x> <y> "z" \'q\' &unknown;');
  });

  it('hashes a quoted reply as Graph stores it like the reply Parley sent', () => {
    const sent = 'a <b>reply</b>';
    const stored = '<p></p>\n<attachment id="1732700000123"></attachment>\na <b>reply</b>\n<p></p>';
    expect(contentHash(stored, 'd1')).toBe(contentHash(sent, 'd1'));
    expect(contentHash('a reply!', 'd1')).not.toBe(contentHash(sent, 'd1'));
    // Salted per delivery: the same text in two deliveries hashes apart.
    expect(contentHash(sent, 'd2')).not.toBe(contentHash(sent, 'd1'));
  });
});

describe('graphMessage', () => {
  it("turns mentions with a user id into Graph's, and leaves the others as text", () => {
    const out = graphMessage({
      format: 'teams-html',
      content: '<p><at id="0">Ada</at> and <at id="1">team</at></p>',
      mentions: [{ id: 0, mentionText: 'Ada', userId: 'u-ada' }, { id: 1, mentionText: 'team' }],
    });
    expect(out.content).toBe('<p><at id="0">Ada</at> and team</p>');
    expect(out.mentions).toEqual([{ id: 0, mentionText: 'Ada', mentioned: { user: { id: 'u-ada', displayName: 'Ada', userIdentityType: 'aadUser' } } }]);
    expect(graphMessage({ format: 'plain', content: '<at id="0">x</at>' })).toEqual({ content: '<at id="0">x</at>', mentions: [] });
  });
});

describe('noticeHtml', () => {
  it('escapes the text and builds the link itself', () => {
    expect(noticeHtml({ text: '<script>x</script>\nnext', link: { url: 'https://p.example/a?b=1&c="2"', label: '<Go>' } })).toBe(
      '<p>&lt;script&gt;x&lt;/script&gt;<br>next</p><p><a href="https://p.example/a?b=1&amp;c=&quot;2&quot;">&lt;Go&gt;</a></p>',
    );
    expect(noticeHtml({ text: 'plain' })).toBe('<p>plain</p>');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });
});
