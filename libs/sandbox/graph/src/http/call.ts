import type { SandboxContext } from '../context';
import type { Principal } from '../state/model';
import { badRequest } from './graph-error';
import type { Router } from './router';

/** What a Graph handler runs with: the sandbox and the authenticated caller. */
export interface Call {
  readonly sandbox: SandboxContext;
  readonly principal: Principal;
}

export type GraphRouter = Router<Call>;

/** A JSON object body, or Graph's BadRequest. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Empty Payload. JSON content expected.');
  return body as Record<string, unknown>;
}
