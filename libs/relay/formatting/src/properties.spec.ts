// Properties over generated messages (fast-check): round trips of the supported subset, and no injection either way.
import fc from 'fast-check';
import { shortcodeToUnicode, unicodeToShortcode } from './emoji';
import { escapeHtml, escapeSlack, unescapeSlack } from './escape';
import { HTMLElement, type Node, parseTeamsHtml, tagName } from './html';
import { slackToTeams } from './slack-to-teams';
import { teamsToSlack } from './teams-to-slack';
import { ada, frances, slackCtx, teamsCtx, userMention } from './testing/people';
import type { TeamsMention } from './types';

const EMOJI = ['+1', 'tada', 'smile', 'heart', 'rocket', 'us', 'wave::skin-tone-3'].filter(
  (name) => unicodeToShortcode(shortcodeToUnicode(name) ?? '') === name,
);
const word = fc.array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), { minLength: 1, maxLength: 8 }).map((letters) => letters.join(''));
const phrase = fc.array(word, { minLength: 1, maxLength: 4 }).map((words) => words.join(' '));

function elements(html: string): HTMLElement[] {
  const found: HTMLElement[] = [];
  const stack: Node[] = [...parseTeamsHtml(html).childNodes];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    if (!(node instanceof HTMLElement)) continue;
    found.push(node);
    stack.push(...node.childNodes);
  }
  return found;
}

describe('round trips of the supported subset', () => {
  // Normalized mrkdwn: what teamsToSlack writes, e.g. code blocks fenced on their own lines, no blank line next to a block.
  const atom = fc.oneof(
    word,
    phrase.map((p) => `*${p}*`),
    phrase.map((p) => `_${p}_`),
    phrase.map((p) => `~${p}~`),
    phrase.map((p) => `*_${p}_*`),
    phrase.map((p) => `\`${p}\``),
    fc.tuple(word, phrase).map(([path, label]) => `<https://example.com/${path}|${label}>`),
    word.map((path) => `<https://example.com/${path}>`),
    fc.constantFrom('<@U0ADA>', '<@U0FRA>', '&lt;b&gt; &amp;'),
    fc.constantFrom(...EMOJI).map((name) => `:${name}:`),
  );
  const line = fc.array(atom, { minLength: 1, maxLength: 6 }).map((atoms) => atoms.join(' '));
  const run = fc.array(fc.oneof(line, line.map((l) => `${l}\n`)), { minLength: 1, maxLength: 4 }).map((lines) => lines.join('\n').replace(/\n+$/, ''));
  const block = fc.oneof(
    run,
    fc.array(line, { minLength: 1, maxLength: 3 }).map((lines) => lines.map((l) => `> ${l}`).join('\n')),
    fc.array(line, { minLength: 1, maxLength: 3 }).map((lines) => lines.map((l) => `• ${l}`).join('\n')),
    fc.array(line, { minLength: 1, maxLength: 3 }).map((lines) => lines.map((l, i) => `${i + 1}. ${l}`).join('\n')),
    fc.array(fc.oneof(phrase, phrase.map((p) => `  ${p} &lt; *x*`)), { minLength: 1, maxLength: 3 }).map((lines) => `\`\`\`\n${lines.join('\n')}\n\`\`\``),
  );
  const mrkdwn = fc.array(block, { minLength: 1, maxLength: 6 }).map((blocks) => blocks.join('\n'));

  it('mrkdwn -> Teams HTML -> mrkdwn is the identity', () => {
    fc.assert(
      fc.property(mrkdwn, (text) => {
        const teams = slackToTeams(text, slackCtx);
        expect(teamsToSlack(teams.html, teams.mentions, teamsCtx).text).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  // Canonical Teams HTML: the shape slackToTeams writes.
  const AT = '\u0000';
  const inline = fc.oneof(
    word,
    phrase.map((p) => `<strong>${p}</strong>`),
    phrase.map((p) => `<em>${p}</em>`),
    phrase.map((p) => `<s>${p}</s>`),
    phrase.map((p) => `<strong><em>${p}</em></strong>`),
    phrase.map((p) => `<code>${p}</code>`),
    fc.tuple(word, phrase).map(([path, label]) => `<a href="https://example.com/${path}">${label}</a>`),
    word.map((path) => `<a href="https://example.com/${path}">https://example.com/${path}</a>`),
    fc.constant(AT),
    fc.constant(escapeHtml('<b> & "q"')),
    fc.constantFrom(...EMOJI).map((name) => shortcodeToUnicode(name) as string),
  );
  const htmlLine = fc.array(inline, { minLength: 1, maxLength: 6 }).map((atoms) => atoms.join(' '));
  type HtmlBlock = { kind: string; html: string };
  const htmlBlock: fc.Arbitrary<HtmlBlock> = fc.oneof(
    fc.array(fc.oneof(htmlLine, htmlLine.map((l) => `${l}<br>`)), { minLength: 1, maxLength: 4 }).map((lines) => ({ kind: 'run', html: lines.join('<br>').replace(/(<br>)+$/, '') })),
    fc.array(htmlLine, { minLength: 1, maxLength: 3 }).map((lines) => ({ kind: 'quote', html: `<blockquote>${lines.join('<br>')}</blockquote>` })),
    fc.array(htmlLine, { minLength: 1, maxLength: 3 }).map((lines) => ({ kind: 'ul', html: `<ul>${lines.map((l) => `<li>${l}</li>`).join('')}</ul>` })),
    fc.array(htmlLine, { minLength: 1, maxLength: 3 }).map((lines) => ({ kind: 'ol', html: `<ol>${lines.map((l) => `<li>${l}</li>`).join('')}</ol>` })),
    fc.array(phrase, { minLength: 1, maxLength: 3 }).map((lines) => ({ kind: 'pre', html: `<pre>${lines.join('\n')} &lt;x&gt;</pre>` })),
  );
  const teamsBody = fc.array(htmlBlock, { minLength: 1, maxLength: 6 }).map((blocks) => {
    let html = '';
    blocks.forEach((block, index) => {
      const previous = blocks[index - 1];
      if (previous?.kind === block.kind && block.kind === 'run') html += '<br>';
      // Two lists or quotes in a row are one list or quote in mrkdwn; the canonical form merges them.
      else if (previous?.kind === block.kind && block.kind !== 'pre') return;
      html += block.html;
    });
    const mentions: TeamsMention[] = [];
    html = html.split(AT).reduce((joined, piece, index) => {
      if (index === 0) return piece;
      const person = index % 2 === 0 ? frances : ada;
      mentions.push(userMention(index - 1, person));
      return `${joined}<at id="${index - 1}">${person.displayName}</at>${piece}`;
    }, '');
    return { html, mentions };
  });

  it('Teams HTML -> mrkdwn -> Teams HTML is the identity, mentions included', () => {
    fc.assert(
      fc.property(teamsBody, ({ html, mentions }) => {
        const slack = teamsToSlack(html, mentions, teamsCtx);
        const back = slackToTeams(slack.text, slackCtx);
        expect(back.html).toBe(html);
        expect(back.mentions).toEqual(mentions);
      }),
      { numRuns: 300 },
    );
  });
});

describe('no injection', () => {
  const hostile = fc.array(
    fc.constantFrom('<', '>', '&', '@', '!', '#', '|', '^', 'at', ' id="0"', 'script', 'img src=x onerror=alert(1)', 'channel', 'here', 'U0ADA', 'https://evil.example', 'javascript:', '"', "'", '=', '/', ' ', '\n', '*', '_', '~', '`', ':', 'tada', '&amp;', '&lt;', '<!--', 'a', '😀'),
    { maxLength: 60 },
  ).map((parts) => parts.join(''));
  const anyText = fc.oneof(hostile, fc.string({ unit: 'grapheme', maxLength: 80 }));
  const FORMATTING = new Set(['strong', 'em', 's', 'code', 'pre', 'br', 'ul', 'ol', 'li', 'blockquote']);

  it('text typed in Slack arrives in Teams as text: only formatting elements, no attributes, no mentions', () => {
    fc.assert(
      fc.property(anyText, (typed) => {
        // Slack escapes &, < and > in what a person types; everything else reaches the API as typed.
        const result = slackToTeams(escapeSlack(typed), slackCtx);
        expect(result.mentions).toEqual([]);
        for (const element of elements(result.html)) {
          expect(FORMATTING.has(tagName(element))).toBe(true);
          expect(element.rawAttrs).toBe('');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('text typed in Teams arrives in Slack as the same text, with no <…> token at all', () => {
    const printable = fc.string({ unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~'), maxLength: 80 });
    fc.assert(
      fc.property(fc.oneof(hostile.filter((s) => !s.includes('😀')), printable), (typed) => {
        const { text } = teamsToSlack(`<p>${escapeHtml(typed)}</p>`, [], teamsCtx);
        expect(text).not.toMatch(/[<>]/);
        expect(unescapeSlack(text)).toBe(typed.replace(/\s+/g, ' ').trim());
      }),
      { numRuns: 500 },
    );
  });

  it('any Teams HTML yields only the Slack tokens its elements justify', () => {
    const fragments = fc.array(
      fc.constantFrom('<b>', '</b>', '<at id="0">', '<at id="7">', '</at>', '<a href="https://ok.example/x">', '<a href="javascript:alert(1)">', '<a href="https://e|x>y">', '</a>', '<pre>', '</pre>', '<code>', '<emoji alt="<@U1>">', '<script>', '</script>', '<!--', '-->', '&lt;!channel&gt;', '<@U0FRA>', '<', '>', '&', '|', 'text', ' ', '<br>', '<li>', '<blockquote>', '<img src=x onerror="alert(1)">', '<![CDATA[', ']]>'),
      { maxLength: 40 },
    ).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fragments, (html) => {
        const { text } = teamsToSlack(html, [userMention(0, ada)], teamsCtx);
        const tokens = [...text.matchAll(/<([^<>]*)>/g)].map((match) => match[1] as string);
        for (const token of tokens) expect(token).toMatch(/^(@U0ADA|https:\/\/ok\.example\/x(\|[^<>]*)?|https:\/\/e%7Cx%3Ey(\|[^<>]*)?)$/);
        expect(text.split('<').length - 1).toBe(tokens.length);
      }),
      { numRuns: 500 },
    );
  });

  it('any mrkdwn yields only safe Teams markup: http(s)/mailto links, mentions that are in mentions[]', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const result = slackToTeams(text, slackCtx);
        const ids = new Set(result.mentions.map((mention) => String(mention.id)));
        for (const element of elements(result.html)) {
          const tag = tagName(element);
          if (tag === 'a') {
            expect(Object.keys(element.attributes)).toEqual(['href']);
            expect(element.getAttribute('href')).toMatch(/^(https?|mailto):/i);
          } else if (tag === 'at') {
            expect(ids.has(element.getAttribute('id') ?? '')).toBe(true);
          } else {
            expect(FORMATTING.has(tag)).toBe(true);
            expect(element.rawAttrs).toBe('');
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
