import type { IncomingMessage, ServerResponse } from 'node:http';
import { SlackApiError } from './errors';

const MAX_BODY = 50 * 1024 * 1024;

export function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new SlackApiError('request_too_large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/**
 * Web API arguments from the query string plus a form, JSON or multipart body, with Slack's own errors for bodies it
 * cannot read (invalid_json, json_not_object, invalid_form_data, invalid_post_type).
 */
export async function parseArguments(request: IncomingMessage, body: Buffer, query: URLSearchParams): Promise<Record<string, unknown>> {
  const args: Record<string, unknown> = Object.fromEntries(query);
  if (body.length === 0) return args;
  const contentType = (request.headers['content-type'] ?? '').toLowerCase();
  const charset = /charset=([^;]+)/.exec(contentType)?.[1]?.trim();
  if (charset && !['utf-8', 'utf8', 'iso-8859-1'].includes(charset)) throw new SlackApiError('invalid_charset');
  if (contentType.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new SlackApiError('invalid_json');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SlackApiError('json_not_object');
    return { ...args, ...(parsed as Record<string, unknown>) };
  }
  if (contentType.startsWith('application/x-www-form-urlencoded') || contentType.startsWith('text/plain')) {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) args[key] = value;
    return args;
  }
  if (contentType.startsWith('multipart/form-data')) {
    try {
      const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
      form.forEach((value, key) => {
        args[key] = typeof value === 'string' ? value : '[file]';
      });
      return args;
    } catch {
      throw new SlackApiError('invalid_form_data');
    }
  }
  throw new SlackApiError(contentType ? 'invalid_post_type' : 'missing_post_type');
}

export function sendJson(response: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(payload);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Holds a response's end until `durable()` resolves: with a persisted sandbox, no client hears of a change (a SCIM
 * user, a token) that a crash could still lose. If saving fails the connection is dropped, as a crashed server's would be.
 */
export function answerOnceDurable(response: ServerResponse, durable: () => Promise<void>): void {
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  response.end = ((...args: unknown[]) => {
    durable().then(
      () => end(...args),
      (error: unknown) => response.destroy(error instanceof Error ? error : new Error(String(error))),
    );
    return response;
  }) as ServerResponse['end'];
}
