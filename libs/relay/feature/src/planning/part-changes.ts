/** What one part of a message needs on the other side. */
export interface PartChange {
  readonly part: number;
  readonly change: 'create' | 'edit' | 'delete';
}

/**
 * The part-by-part changes for a message that was posted in `before` parts and now says what fits in `after` parts:
 * a new message creates every part; an edit edits the parts both have, creates the extra ones and deletes the ones
 * no longer needed; a delete deletes every part posted.
 */
export function planPartChanges(change: 'created' | 'edited' | 'deleted', before: number, after: number): PartChange[] {
  const out: PartChange[] = [];
  if (change === 'created') {
    for (let part = 0; part < after; part++) out.push({ part, change: 'create' });
  } else if (change === 'deleted') {
    for (let part = 0; part < before; part++) out.push({ part, change: 'delete' });
  } else {
    for (let part = 0; part < Math.max(before, after); part++) {
      out.push({ part, change: part >= before ? 'create' : part >= after ? 'delete' : 'edit' });
    }
  }
  return out;
}
