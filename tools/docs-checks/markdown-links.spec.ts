import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brokenLinks, headingAnchors, markdownLinks } from './markdown-links';

/** A throwaway repository: the given files, all of them tracked. */
function repository(files: Record<string, string>): { root: string; tracked: string[] } {
  const root = mkdtempSync(path.join(tmpdir(), 'docs-checks-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  roots.push(root);
  return { root, tracked: Object.keys(files) };
}
const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

describe('markdownLinks', () => {
  it('finds inline links, images, reference definitions and HTML links, with their line', () => {
    const text = ['# T', 'See [a](docs/a.md "title") and ![img](img.png).', '[ref]: <docs/b.md>', '<a href="c/">c</a>'].join('\n');
    expect(markdownLinks(text)).toEqual([
      { line: 2, target: 'docs/a.md' },
      { line: 2, target: 'img.png' },
      { line: 3, target: 'docs/b.md' },
      { line: 4, target: 'c/' },
    ]);
  });

  it('ignores what is code: fenced blocks and inline code spans', () => {
    const text = ['```md', '[x](nowhere.md)', '```', 'Write `[y](nowhere.md)` like this; [z](real.md) is a link.'].join('\n');
    expect(markdownLinks(text)).toEqual([{ line: 4, target: 'real.md' }]);
  });
});

describe('headingAnchors', () => {
  it("makes GitHub's anchors: formatting and punctuation dropped, spaces as dashes, repeats numbered", () => {
    const text = ['# Parley', '## Configuration (`configSections.slackConnector`)', '## Tests', '### Tests', '## What [it](x.md) serves & consumes', '```', '# not a heading', '```', '<a name="custom"></a>'].join('\n');
    expect([...headingAnchors(text)].sort()).toEqual(['configuration-configsectionsslackconnector', 'custom', 'parley', 'tests', 'tests-1', 'what-it-serves--consumes'].sort());
  });
});

describe('brokenLinks', () => {
  it('accepts links to tracked files and folders, headings of Markdown files, and external links', () => {
    const { root, tracked } = repository({
      'README.md': '# Top\n[lib](libs/x/README.md#usage) [folder](libs/x) [self](#top) [root](/docs/guide.md) [code](libs/x/src/a.ts#L3) [web](https://example.com/y.md) [mail](mailto:a@b.c)\n',
      'libs/x/README.md': '# x\n## Usage\n[up](../../README.md#top)\n',
      'libs/x/src/a.ts': 'export {};\n',
      'docs/guide.md': '# Guide\n',
    });
    expect(brokenLinks(root, tracked)).toEqual([]);
  });

  it('fails on a link to a file that does not exist, and on one that exists but is not tracked', () => {
    const { root, tracked } = repository({
      'README.md': '# Top\n\nSee [the feature README](libs/slack-connector/feature/README.md) and [output](out.txt).\n',
      'out.txt': 'generated\n',
    });
    expect(brokenLinks(root, tracked.filter((f) => f !== 'out.txt'))).toEqual([
      { file: 'README.md', line: 3, target: 'libs/slack-connector/feature/README.md', reason: 'libs/slack-connector/feature/README.md is not a tracked file or folder' },
      { file: 'README.md', line: 3, target: 'out.txt', reason: 'out.txt is not a tracked file or folder' },
    ]);
  });

  it('fails on an anchor that names no heading, in another file or in the same one', () => {
    const { root, tracked } = repository({
      'docs/adr/0004.md': '# 4. Outbox\n## Decision\n[0005](0005.md#context) [here](#decisions)\n',
      'docs/adr/0005.md': '# 5. Envelope\n## Decision\n',
    });
    expect(brokenLinks(root, tracked).map((b) => `${b.file}:${b.line} ${b.reason}`)).toEqual([
      'docs/adr/0004.md:3 docs/adr/0005.md has no heading with the anchor #context',
      'docs/adr/0004.md:3 docs/adr/0004.md has no heading with the anchor #decisions',
    ]);
  });

  it('fails on a repository path written as code that names nothing tracked, and leaves patterns and commands alone', () => {
    const { root, tracked } = repository({
      'README.md': [
        '| `PARLEY_SLACK_*` | see `libs/teams-connector/graph-access/README.md` and `libs/slack-connector/feature/README.md` |',
        'Each lib in `libs/<service>/feature`, schemas in `libs/contracts/schema/*.json`, `docs/adr/` for decisions.',
        '```sh',
        'cat libs/missing/README.md `libs/missing/x.md`',
        '```',
      ].join('\n'),
      'libs/teams-connector/graph-access/README.md': '# graph-access\n',
      'docs/adr/0001.md': '# 1\n',
    });
    expect(brokenLinks(root, tracked)).toEqual([
      { file: 'README.md', line: 1, target: '/libs/slack-connector/feature/README.md', reason: 'libs/slack-connector/feature/README.md is not a tracked file or folder' },
    ]);
  });

  it('fails on a link that leaves the repository', () => {
    const { root, tracked } = repository({ 'docs/a.md': '[design](../../shared/design/architecture.md)\n' });
    expect(brokenLinks(root, tracked)).toEqual([{ file: 'docs/a.md', line: 1, target: '../../shared/design/architecture.md', reason: 'points outside the repository' }]);
  });
});
