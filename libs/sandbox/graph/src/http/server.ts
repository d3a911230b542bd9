import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { GraphRequest, GraphResponse } from './exchange';
import { graphErrorBody } from './graph-error';

/** Graph's limit on a request body (a JSON payload, a message with its hosted contents). */
export const MAX_BODY = 4 * 1024 * 1024;
export const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export type BodyResult = { ok: true; text: string; bytes: Buffer } | { ok: false; tooLarge: true };

export function readBody(request: IncomingMessage, limit = MAX_BODY): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => {
      if (tooLarge) return resolve({ ok: false, tooLarge: true });
      const bytes = Buffer.concat(chunks);
      resolve({ ok: true, text: bytes.toString('utf8'), bytes });
    });
    request.on('error', reject);
  });
}

export function lowerHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

export function sendGraph(response: ServerResponse, result: GraphResponse, clientRequestId: string | undefined): void {
  const headers: Record<string, string> = { 'request-id': randomUUID(), ...result.headers };
  if (clientRequestId) headers['client-request-id'] = clientRequestId;
  if (result.raw) {
    response.writeHead(result.status, { 'content-length': String(result.raw.length), ...headers });
    response.end(result.raw);
    return;
  }
  if (result.body === undefined) {
    response.writeHead(result.status, { 'content-length': '0', ...headers });
    response.end();
    return;
  }
  const text = JSON.stringify(result.body);
  response.writeHead(result.status, { 'content-type': GRAPH_JSON, 'content-length': String(Buffer.byteLength(text)), ...headers });
  response.end(text);
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store', ...headers });
  response.end(text);
}

/** Parses a Graph request body: empty is undefined; broken JSON is Graph's BadRequest (the caller answers it). */
export function parseGraphBody(text: string): { ok: true; body: unknown } | { ok: false; error: unknown } {
  if (!text.trim()) return { ok: true, body: undefined };
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch {
    return { ok: false, error: graphErrorBody('BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.', undefined) };
  }
}

export function graphRequest(method: string, url: URL, headers: Record<string, string>, body: unknown, raw?: Buffer): GraphRequest {
  return { method, path: url.pathname.replace(/^\/v1\.0/i, '') || '/', query: url.searchParams, headers, body, ...(raw ? { raw } : {}) };
}

/**
 * Holds a response's end until `durable()` resolves: with a persisted sandbox, no client hears of a change (a guest,
 * a token) that a crash could still lose. If saving fails the connection is dropped, as a crashed server's would be.
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
