import { z } from 'zod';
import type { GraphRouter } from '../http/call';
import type { GraphRequest, GraphResponse } from '../http/exchange';
import { json } from '../http/exchange';
import { badRequest, graphErrorBody } from '../http/graph-error';

export const MAX_BATCH_REQUESTS = 20;

const itemSchema = z.object({
  id: z.string().min(1),
  method: z.enum(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  dependsOn: z.array(z.string()).optional(),
});
const batchSchema = z.object({ requests: z.array(z.unknown()) });

type Item = z.infer<typeof itemSchema>;
type Dispatch = (request: GraphRequest) => Promise<GraphResponse>;

/**
 * JSON batching: up to 20 requests, each answered with its own status. dependsOn runs a request after the ones it
 * names; when one of those failed, the dependent request is not run and answers 424 Failed Dependency. Inner
 * requests are throttled like any other, so an inner 429 is possible while the batch itself answers 200.
 */
export function registerBatch(router: GraphRouter, dispatch: () => Dispatch): void {
  router.add('POST', '/$batch', async (request) => {
    if (request.inBatch) throw badRequest('Nested batch requests are not supported.');
    const outer = batchSchema.safeParse(request.body);
    if (!outer.success) throw badRequest('Invalid batch payload format.');
    const raw = outer.data.requests;
    if (raw.length === 0) throw badRequest('Invalid batch payload format: at least one request is required.');
    if (raw.length > MAX_BATCH_REQUESTS) throw badRequest(`The number of batch requests exceeds the maximum of ${MAX_BATCH_REQUESTS}.`);
    const items: Item[] = raw.map((entry, index) => {
      const parsed = itemSchema.safeParse(entry);
      if (!parsed.success) throw badRequest(`Invalid batch payload format: request ${index} is invalid (${parsed.error.issues[0]?.path.join('.') ?? ''}).`);
      return parsed.data;
    });
    const byId = new Map<string, Item>();
    for (const item of items) {
      if (byId.has(item.id)) throw badRequest(`Batch request ids must be unique: '${item.id}' appears twice.`);
      byId.set(item.id, item);
    }
    for (const item of items) {
      if (/^https?:/i.test(item.url)) throw badRequest(`Batch request '${item.id}': the url must be relative to the version, e.g. /me.`);
      if (item.body !== undefined && !Object.keys(item.headers ?? {}).some((h) => h.toLowerCase() === 'content-type')) {
        throw badRequest(`Batch request '${item.id}': a Content-Type header is required when a body is present.`);
      }
      for (const dependency of item.dependsOn ?? []) {
        if (!byId.has(dependency)) throw badRequest(`Batch request '${item.id}' depends on unknown request '${dependency}'.`);
      }
    }
    const results = new Map<string, GraphResponse>();
    const visiting = new Set<string>();
    const run = async (item: Item): Promise<GraphResponse> => {
      const done = results.get(item.id);
      if (done) return done;
      if (visiting.has(item.id)) throw badRequest(`Batch dependsOn contains a cycle at '${item.id}'.`);
      visiting.add(item.id);
      let failed = false;
      for (const dependency of item.dependsOn ?? []) {
        const status = (await run(byId.get(dependency) as Item)).status;
        if (status >= 400) failed = true;
      }
      let response: GraphResponse;
      if (failed) {
        response = { status: 424, headers: {}, body: graphErrorBody('FailedDependency', 'The request was not executed because a request it depends on failed.', undefined) };
      } else {
        const url = new URL(item.url.replace(/^\/?/, '/'), 'https://batch.invalid');
        const headers: Record<string, string> = { ...request.headers };
        for (const [name, value] of Object.entries(item.headers ?? {})) headers[name.toLowerCase()] = value;
        response = await dispatch()({ method: item.method, path: url.pathname, query: url.searchParams, headers, body: item.body, inBatch: true });
      }
      results.set(item.id, response);
      return response;
    };
    const responses = [];
    for (const item of items) {
      const response = await run(item);
      const headers: Record<string, string> = { ...response.headers };
      if (response.body !== undefined || response.raw) headers['Content-Type'] ??= 'application/json';
      responses.push({
        id: item.id,
        status: response.status,
        headers,
        ...(response.body !== undefined ? { body: response.body } : response.raw ? { body: response.raw.toString('base64') } : {}),
      });
    }
    return json(200, { responses });
  });
}
