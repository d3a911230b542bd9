// Hostile shapes convert in linear time. Each case times a 100k-character input against a 5k one of the same shape:
// linear work gives a ratio near 20, quadratic near 400. The bound leaves room for a loaded machine and for the
// garbage collector, which grows with the heap; a case over it is measured again before it counts as failed.
import { slackToTeams } from './slack-to-teams';
import { splitForSlack, splitForTeams } from './split';
import { teamsToSlack } from './teams-to-slack';
import { slackCtx, teamsCtx } from './testing/people';

const SMALL = 5_000;
const LARGE = 100_000;
const MAX_RATIO = 80;

/**
 * CPU time of this process (not wall time: on a shared machine the wall clock mostly measures the neighbours), best
 * of a few runs, and never below 2 ms, where accounting granularity dominates.
 */
function time(run: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return Math.max(best, 2);
}

function ratio(convert: (input: string) => unknown, shape: (length: number) => string): number {
  const small = shape(SMALL);
  const large = shape(LARGE);
  convert(small); // warm up
  convert(large);
  let best = Infinity;
  for (let attempt = 0; attempt < 4 && best >= MAX_RATIO; attempt++) best = Math.min(best, time(() => convert(large)) / time(() => convert(small)));
  if (process.env['PRINT_RATIOS']) process.stdout.write(`${best.toFixed(1)}\n`);
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

/** `levels` nested elements with a little text in each: 10,000 levels in the 100k input, as issue 9 asks. */
const nested = (open: string, close: string) => (length: number) => {
  const levels = Math.floor(length / 10);
  const filler = 'x'.repeat(Math.max(0, 10 - open.length - close.length));
  return `${open}${filler}`.repeat(levels) + close.repeat(levels);
};

const htmlShapes: Record<string, (length: number) => string> = {
  'unclosed <b>': repeat('<b>abcdefg'),
  'nested <div>': nested('<div>', '</div>'),
  'nested blockquotes': nested('<blockquote>', '</blockquote>'),
  'nested lists': repeat('<ul><li>abcdefghijkl'),
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
