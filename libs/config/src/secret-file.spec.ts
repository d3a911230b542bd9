import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadOrCreateSecretFile } from './secret-file';

describe('loadOrCreateSecretFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'parley-secret-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes the secret once, owner-only, in a folder it creates, and reads the same one afterwards', () => {
    const file = path.join(dir, 'nested', 'key');
    let made = 0;
    const generate = () => `secret-${++made}`;
    expect(loadOrCreateSecretFile(file, generate)).toBe('secret-1');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecretFile(file, generate)).toBe('secret-1');
    expect(made).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe('secret-1\n');
  });

  it('tightens a file others can read, and keeps a value an operator put there', () => {
    const file = path.join(dir, 'key');
    writeFileSync(file, '  operator-value \n');
    chmodSync(file, 0o644);
    expect(loadOrCreateSecretFile(file, () => 'never')).toBe('operator-value');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
