/** One Graph request as the dispatcher sees it, whether it came over HTTPS or from inside a $batch. */
export interface GraphRequest {
  readonly method: string;
  /** Path below /v1.0, starting with '/'. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON body, or undefined when there is none. */
  readonly body: unknown;
  /** A file's bytes (`PUT .../content`), not parsed as JSON. */
  readonly raw?: Buffer;
  /** True when the request arrived inside a $batch (no nested batches). */
  readonly inBatch?: boolean;
}

export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  /** Raw bytes, for $value endpoints. */
  raw?: Buffer;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): GraphResponse => ({ status, headers, body });
export const noContent = (headers: Record<string, string> = {}): GraphResponse => ({ status: 204, headers });
