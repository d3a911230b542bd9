// Hostile shapes convert in linear time. Each case times a 100k-character input against a 10k one of the same shape:
// linear work gives a ratio near 10, quadratic near 100. The bound leaves room for a loaded machine and for the
// garbage collector, which grows with the heap; a case over it is measured again before it counts as failed.
import { performance } from 'node:perf_hooks';
import { slackToTeams } from './slack-to-teams';
import { splitForSlack, splitForTeams } from './split';
import { teamsToSlack } from './teams-to-slack';
import { slackCtx, teamsCtx } from './testing/people';

const SMALL = 10_000;
const LARGE = 100_000;
const MAX_RATIO = 40;

/** Best of a few runs (the least disturbed), and never below 2 ms, where timer noise dominates. */
function time(run: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return Math.max(best, 2);
}

function ratio(convert: (input: string) => unknown, shape: (length: number) => string): number {
  const small = shape(SMALL);
  const large = shape(LARGE);
  convert(small); // warm up
  convert(large);
  let best = Infinity;
  for (let attempt = 0; attempt < 3 && best >= MAX_RATIO; attempt++) best = Math.min(best, time(() => convert(large)) / time(() => convert(small)));
  return best;
}

const repeat = (unit: string) => (length: number) => unit.repeat(Math.ceil(length / unit.length));

const mrkdwnShapes: Record<string, (length: number) => string> = {
  'unclosed emphasis': repeat('*a _b ~c '),
  'delimiters only': repeat('*_~`'),
  'angle brackets': repeat('<'),
  backticks: repeat('`'),
  colons: repeat(':'),
  'colon words': repeat(':ab'),
  fences: repeat('```'),
  mentions: repeat('<@U0ADA> '),
  'quote lines': repeat('&gt; q\n'),
  'list lines': repeat('• a\n'),
  'one long word': repeat('a'),
  'nested list lines': (length) => Array.from({ length: Math.ceil(length / 60) }, (_, i) => `${'    '.repeat(i % 12)}• x`).join('\n'),
};

const htmlShapes: Record<string, (length: number) => string> = {
  '10k unclosed <b>': repeat('<b>'),
  'deeply nested <div>': (length) => '<div>'.repeat(length / 11) + 'x' + '</div>'.repeat(length / 11),
  'nested blockquotes': (length) => '<blockquote>'.repeat(length / 25) + 'x' + '</blockquote>'.repeat(length / 25),
  'nested lists': repeat('<ul><li>'),
  'unterminated comments': repeat('<!--'),
  'unterminated CDATA': repeat('<![CDATA['),
  'stray closing tags': repeat('</b>'),
  'misnested tags': repeat('<b><i></b>'),
  'unclosed <script>': repeat('<script>'),
  'plain text': repeat('ab '),
  'escaped text': repeat('&lt;'),
  emoji: repeat('😀'),
  paragraphs: repeat('<p>a'),
};

describe('linear time on hostile input', () => {
  it.each(Object.entries(mrkdwnShapes))('slackToTeams and splitForSlack: %s', (_, shape) => {
    expect(ratio((text) => slackToTeams(text, slackCtx), shape)).toBeLessThan(MAX_RATIO);
    expect(ratio((text) => splitForSlack(text), shape)).toBeLessThan(MAX_RATIO);
  });

  it.each(Object.entries(htmlShapes))('teamsToSlack and splitForTeams: %s', (_, shape) => {
    expect(ratio((html) => teamsToSlack(html, [], teamsCtx), shape)).toBeLessThan(MAX_RATIO);
    // A limit below both sizes, so that both take the splitting path.
    expect(ratio((html) => splitForTeams(html, [], 2_000), shape)).toBeLessThan(MAX_RATIO);
  });
});
