import { VaultError, type VaultErrorReason } from '../vault-error';

export interface ResealableRecord {
  readonly id: string;
}

/** What rotateAll needs from a store of sealed secrets (CredentialStore is one). */
export interface ResealableSecrets<R extends ResealableRecord = ResealableRecord> {
  readonly activeKeyId: string;
  /** Up to `limit` records sealed with another key, ordered by id, after `afterId` when given. */
  listSealedWithKeyOtherThan(keyId: string, limit: number, afterId?: string): Promise<readonly R[]>;
  /** Re-seals one record under the active key; 'changed' when it was rewritten since it was listed (left as is). */
  reseal(record: R): Promise<'resealed' | 'changed'>;
}

export interface RotationReport {
  readonly resealed: number;
  /** Rewritten by someone else between listing and re-sealing; a writer seals with the active key, so nothing to do. */
  readonly changed: number;
  /** Records that could not be opened (unknown key, altered); they stay as they are and need an operator. */
  readonly failed: readonly { readonly id: string; readonly reason: VaultErrorReason }[];
}

/**
 * Re-seals every stored secret that is not under the active key, `batchSize` at a time. One pass, by id, so a record
 * that cannot be opened is reported once instead of being listed forever; run it again after fixing the cause.
 * Storage errors stop the run (it is safe to start over); vault errors are per record.
 */
export async function rotateAll<R extends ResealableRecord>(repository: ResealableSecrets<R>, batchSize = 100): Promise<RotationReport> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const activeKeyId = repository.activeKeyId;
  let resealed = 0;
  let changed = 0;
  const failed: { id: string; reason: VaultErrorReason }[] = [];
  let afterId: string | undefined;
  for (;;) {
    const batch = await repository.listSealedWithKeyOtherThan(activeKeyId, batchSize, afterId);
    for (const record of batch) {
      try {
        if ((await repository.reseal(record)) === 'resealed') resealed += 1;
        else changed += 1;
      } catch (error) {
        if (!(error instanceof VaultError) || error.reason === 'storage') throw error;
        failed.push({ id: record.id, reason: error.reason });
      }
    }
    if (batch.length < batchSize) break;
    afterId = batch[batch.length - 1]?.id;
  }
  return { resealed, changed, failed };
}
