import { VaultError } from '../vault-error';
import { rotateAll, type ResealableSecrets } from './rotate-all';

interface Row {
  id: string;
  keyId: string;
  broken?: boolean;
  racedBy?: string;
}

/** An in-memory store: ids sort as strings, like the uuids of the table. */
class FakeStore implements ResealableSecrets<Row> {
  readonly listed: number[] = [];
  constructor(
    readonly rows: Row[],
    readonly activeKeyId = 'new',
  ) {}

  async listSealedWithKeyOtherThan(keyId: string, limit: number, afterId?: string): Promise<Row[]> {
    const page = this.rows
      .filter((row) => row.keyId !== keyId && (afterId === undefined || row.id > afterId))
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, limit)
      .map((row) => ({ ...row }));
    this.listed.push(page.length);
    return page;
  }

  async reseal(record: Row): Promise<'resealed' | 'changed'> {
    const row = this.rows.find((r) => r.id === record.id) as Row;
    if (row.broken) throw new VaultError('unknown-key', 'sealed with a key that is gone');
    if (row.racedBy) {
      row.keyId = row.racedBy;
      return 'changed';
    }
    row.keyId = this.activeKeyId;
    return 'resealed';
  }
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `id-${String(i).padStart(4, '0')}`);

describe('rotateAll', () => {
  it('re-seals every row under another key, in batches, leaving the active ones alone', async () => {
    const store = new FakeStore([...ids(23).map((id) => ({ id, keyId: 'old' })), { id: 'id-9999', keyId: 'new' }]);
    const report = await rotateAll(store, 5);
    expect(report).toEqual({ resealed: 23, changed: 0, failed: [] });
    expect(store.rows.every((row) => row.keyId === 'new')).toBe(true);
    expect(store.listed).toEqual([5, 5, 5, 5, 3]);
  });

  it('reports rows it cannot open once and carries on; counts rows rewritten meanwhile', async () => {
    const rows: Row[] = ids(6).map((id) => ({ id, keyId: 'old' }));
    (rows[1] as Row).broken = true;
    (rows[4] as Row).racedBy = 'new';
    const store = new FakeStore(rows);
    expect(await rotateAll(store, 2)).toEqual({ resealed: 4, changed: 1, failed: [{ id: 'id-0001', reason: 'unknown-key' }] });
    expect(await rotateAll(store, 2)).toEqual({ resealed: 0, changed: 0, failed: [{ id: 'id-0001', reason: 'unknown-key' }] });
  });

  it('stops on a storage error, which a later run recovers from', async () => {
    const store = new FakeStore(ids(3).map((id) => ({ id, keyId: 'old' })));
    store.reseal = async () => Promise.reject(new VaultError('storage', 'connection terminated'));
    await expect(rotateAll(store, 10)).rejects.toThrow('connection terminated');
  });

  it('refuses a batch size that would never finish', async () => {
    await expect(rotateAll(new FakeStore([]), 0)).rejects.toThrow(RangeError);
  });
});
