import type { SandboxContext } from '../context';
import { pushBounded } from '../control/inspection';
import type { Principal } from '../state/model';
import { tooManyRequests } from '../throttling/throttle';
import type { GraphRequest, GraphResponse } from './exchange';
import { GraphError, graphErrorBody } from './graph-error';
import type { Call, GraphRouter } from './call';
import { uploadRange } from '../resources/drives';

/**
 * Runs one Graph request: injected faults, bearer authentication, routing, the handler; every failure becomes a
 * Graph error body. Used for HTTPS requests and for each request inside a $batch.
 */
export class GraphDispatcher {
  constructor(
    private readonly context: SandboxContext,
    private readonly router: GraphRouter,
  ) {}

  async dispatch(request: GraphRequest): Promise<GraphResponse> {
    let principal: Principal | undefined;
    let response: GraphResponse;
    try {
      if (!request.inBatch) await this.outerFaults();
      principal = this.authenticate(request);
      const match = this.router.match(request.method, request.path);
      if (match === 'not-found') throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${request.path.split('/').filter(Boolean).pop() ?? ''}'.`);
      if (match === 'method-not-allowed') throw new GraphError(405, 'Request_BadRequest', `The HTTP method '${request.method}' is not allowed for this resource.`);
      const call: Call = { sandbox: this.context, principal };
      response = await match.handler(request, match.params, call);
    } catch (error) {
      response = this.errorResponse(error, request);
    }
    this.context.inspection.countStatus(response.status);
    if (this.context.inspection.recordRequests) {
      pushBounded(this.context.inspection.requests, { method: request.method, path: request.path, status: response.status, clientId: principal?.clientId ?? null, at: new Date().toISOString() });
    }
    return response;
  }

  private async outerFaults(): Promise<void> {
    const { faults, throttle } = this.context;
    const settings = faults.current;
    if (settings.latencyMs) await new Promise((resolve) => setTimeout(resolve, settings.latencyMs));
    if (faults.takeBurst()) throw tooManyRequests((settings.throttleBurstRetryAfterMs ?? 1000) * throttle.scale);
    if (faults.roll(settings.errorRate)) {
      throw new GraphError(503, 'ServiceUnavailable', 'The service is temporarily unavailable (injected fault). Please retry.', { 'retry-after': '1' });
    }
  }

  private authenticate(request: GraphRequest): Principal {
    const header = request.headers['authorization'];
    if (!header) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    const principal = this.context.tokens.principal(match[1] as string);
    if (principal === 'expired') throw new GraphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    if (!principal) throw new GraphError(401, 'InvalidAuthenticationToken', 'IDX14100: JWT is not well formed, there are no dots (.).');
    return principal;
  }

  /** A range PUT to an upload session's URL: no bearer (the URL is the credential), Graph's errors as for any call. */
  async upload(method: string, token: string, headers: Readonly<Record<string, string>>, bytes: Buffer): Promise<GraphResponse> {
    const request: GraphRequest = { method, path: `/_upload/${token}`, query: new URLSearchParams(), headers, body: undefined, raw: bytes };
    let response: GraphResponse;
    try {
      if (method === 'DELETE') {
        this.context.store.uploadSessions.delete(token);
        response = { status: 204, headers: {} };
      } else if (method !== 'PUT') {
        throw new GraphError(405, 'Request_BadRequest', `The HTTP method '${method}' is not allowed for an upload session.`);
      } else {
        response = uploadRange(this.context, token, headers, bytes);
      }
    } catch (error) {
      response = this.errorResponse(error, request);
    }
    this.context.inspection.countStatus(response.status);
    return response;
  }

  errorResponse(error: unknown, request: GraphRequest): GraphResponse {
    const clientRequestId = request.headers['client-request-id'];
    if (error instanceof GraphError) {
      return { status: error.status, headers: { ...error.headers }, body: graphErrorBody(error.code, error.message, clientRequestId) };
    }
    // A handler bug, not bad input: still Graph-shaped so clients parse it, and visible as a 500 in tests.
    return { status: 500, headers: {}, body: graphErrorBody('InternalServerError', `Sandbox error: ${error instanceof Error ? error.message : String(error)}`, clientRequestId) };
  }
}
