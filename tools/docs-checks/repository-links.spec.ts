import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { brokenLinks } from './markdown-links';

const root = path.resolve(__dirname, '../..');

// Docs drift: a README link to a file that moved, an ADR pointing at a heading that was renamed. Every relative link
// in every tracked Markdown file must resolve on a fresh clone (tracked files only), anchors included.
describe('links in the repository Markdown', () => {
  it('all resolve to tracked files and folders, and their anchors to headings', () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
    expect(tracked.filter((file) => file.endsWith('.md')).length).toBeGreaterThan(10);
    expect(brokenLinks(root, tracked).map((b) => `${b.file}:${b.line} ${b.target}: ${b.reason}`)).toEqual([]);
  });
});
