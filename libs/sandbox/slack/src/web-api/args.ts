import { fail } from '../errors';

export type Args = Record<string, unknown>;

/** Form values arrive as strings and JSON values as anything; these read both the way Slack does. */
export function optionalString(args: Args, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fail('invalid_arguments', { response_metadata: { messages: [`[ERROR] invalid type for field: ${name}`] } });
}

export function requiredString(args: Args, name: string, missingError = 'invalid_arguments'): string {
  const value = optionalString(args, name);
  if (value === undefined) {
    return missingError === 'invalid_arguments'
      ? fail('invalid_arguments', { response_metadata: { messages: [`[ERROR] missing required field: ${name}`] } })
      : fail(missingError);
  }
  return value;
}

export function optionalBoolean(args: Args, name: string): boolean {
  const value = args[name];
  return value === true || value === 'true' || value === '1' || value === 1;
}

export function optionalInteger(args: Args, name: string): number | undefined {
  const raw = optionalString(args, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) fail('invalid_arguments', { response_metadata: { messages: [`[ERROR] expected an integer for field: ${name}`] } });
  return value;
}

/** A JSON array argument: sent as a JSON string in form bodies, or as a real array in JSON bodies. */
export function optionalJsonArray(args: Args, name: string, invalidError: string): unknown[] | undefined {
  const value = args[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // fall through to the method's own error
    }
  }
  return fail(invalidError);
}

/** Comma-separated ids (users=U1,U2) or a JSON array of them. */
export function idList(args: Args, name: string): string[] {
  const value = args[name];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  const text = optionalString(args, name);
  if (text?.startsWith('[')) {
    // @slack/web-api form-encodes array arguments as JSON strings.
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.filter((v): v is string => typeof v === 'string' && v !== '');
    } catch {
      // fall back to comma splitting
    }
  }
  return text ? text.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

export function encodeCursor(kind: string, offset: number): string {
  return Buffer.from(`${kind}:${offset}`).toString('base64');
}

/** Decodes a cursor from encodeCursor; anything else is Slack's invalid_cursor. */
export function decodeCursor(kind: string, cursor: string | undefined): number {
  if (!cursor) return 0;
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  const match = /^([a-z_]+):(\d+)$/.exec(text);
  if (!match || match[1] !== kind) fail('invalid_cursor');
  return Number(match[2]);
}
