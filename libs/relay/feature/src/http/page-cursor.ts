import { INVALID_REQUEST_PROBLEM, ProblemException } from '@parley/service-runtime';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Keyset paging over (created_at, id), newest first: the cursor is the last row's pair, opaque to the caller. */
export function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify({ at, id }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { at?: unknown; id?: unknown } | null;
    if (typeof value?.at === 'string' && typeof value.id === 'string' && UUID.test(value.id) && !Number.isNaN(Date.parse(value.at))) {
      return { at: value.at, id: value.id };
    }
  } catch {
    // falls through to the 400 below
  }
  throw new ProblemException(400, 'cursor: not a cursor this API returned.', INVALID_REQUEST_PROBLEM, [{ field: 'cursor', message: 'not a cursor this API returned' }]);
}
