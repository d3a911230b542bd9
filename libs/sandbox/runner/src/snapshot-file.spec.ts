import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readSnapshot, SnapshotFile } from './snapshot-file';

describe('SnapshotFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-snapshot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('covers many saves asked for at once with few writes, and ends with the latest state on disk', async () => {
    const file = path.join(dir, 'state.json');
    let state = 0;
    let captures = 0;
    const snapshot = new SnapshotFile(file, () => {
      captures++;
      return { state };
    });
    const saves: Promise<void>[] = [];
    for (let i = 1; i <= 50; i++) {
      state = i;
      saves.push(snapshot.save());
    }
    await Promise.all(saves);
    expect(captures).toBeLessThanOrEqual(2);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ state: 50 });
    expect(existsSync(`${file}.tmp`)).toBe(false);
  });

  it('writes again for a change made while a write was under way', async () => {
    const file = path.join(dir, 'later.json');
    let state = 'first';
    const snapshot = new SnapshotFile(file, () => ({ state }));
    const first = snapshot.save();
    // The first write has captured its state (synchronously, as it starts); this change needs a second write.
    await Promise.resolve();
    await Promise.resolve();
    state = 'second';
    await Promise.all([first, snapshot.save()]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ state: 'second' });
  });

  it('stops a start with the file and what to do when a saved state cannot be read', () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{"half":');
    expect(() => readSnapshot(file, 'the Slack sandbox state')).toThrow(/broken\.json cannot be read.*move the file away/);
    expect(readSnapshot(path.join(dir, 'missing.json'), 'nothing')).toBeUndefined();
  });
});
