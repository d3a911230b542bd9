import http from 'node:http';
import https from 'node:https';

export interface WebhookAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** Why there is no answer (status 0): `timeout`, or the network error's code (`ECONNREFUSED`, `ECONNRESET`, …). */
  readonly failure?: string;
}

/**
 * POSTs to a subscriber's endpoint with a deadline. Graph requires https endpoints; the sandbox also accepts http
 * so local receivers need no certificate, and does not verify https receivers' certificates (they are local).
 * Resolves status 0 on a network error or timeout, with the reason; never rejects.
 */
export function postToEndpoint(url: string, body: string, contentType: string, timeoutMs: number): Promise<WebhookAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: WebhookAnswer): void => {
      if (settled) return;
      settled = true;
      resolve(answer);
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      done({ status: 0, contentType: '', body: '', failure: 'EINVALIDURL' });
      return;
    }
    const transport = target.protocol === 'https:' ? https : http;
    const request = transport.request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
        rejectUnauthorized: false,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => done({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', (error: NodeJS.ErrnoException) => done({ status: 0, contentType: '', body: '', failure: error.code ?? 'error' }));
      },
    );
    // Judged after any answer already waiting on the socket (setImmediate runs after this turn's I/O): the sandbox
    // shares the machine, and this process's event loop, with Parley, and a loop that woke late must not count its own
    // lateness against the receiver. Graph's clock runs on Graph's servers.
    request.setTimeout(timeoutMs, () =>
      setImmediate(() => {
        if (settled) return;
        done({ status: 0, contentType: '', body: '', failure: 'timeout' });
        request.destroy();
      }),
    );
    request.on('error', (error: NodeJS.ErrnoException) => done({ status: 0, contentType: '', body: '', failure: error.code ?? 'error' }));
    request.end(body);
  });
}
