import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadOrCreateOperatorKey } from './embedded-operator-key';

describe('embedded operator key file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'parley-opkey-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created once with mode 0600 and reused afterwards', () => {
    const dataDir = path.join(dir, 'embedded');
    const first = loadOrCreateOperatorKey(dataDir);
    expect(first.file).toBe(path.join(dataDir, 'operator-api-key'));
    expect(first.key.reveal()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(readFileSync(first.file, 'utf8')).toBe(`${first.key.reveal()}\n`);
    expect(loadOrCreateOperatorKey(dataDir).key.reveal()).toBe(first.key.reveal());
  });

  it('tightens a readable file and refuses a short key', () => {
    writeFileSync(path.join(dir, 'operator-api-key'), 'k'.repeat(40), { mode: 0o644 });
    expect(loadOrCreateOperatorKey(dir).key.reveal()).toBe('k'.repeat(40));
    expect(statSync(path.join(dir, 'operator-api-key')).mode & 0o777).toBe(0o600);
    writeFileSync(path.join(dir, 'operator-api-key'), 'short');
    expect(() => loadOrCreateOperatorKey(dir)).toThrow(/at least 32 characters/);
  });
});
