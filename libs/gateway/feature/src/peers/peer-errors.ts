import { z } from 'zod';
import { InternalApiError } from '@parley/internal-api';
import { notFound, ProblemException, type FieldError, type PeerName } from '@parley/service-runtime';
import { problemTypes, type RefusedField } from '../http/problem-details';

/** Longest peer `detail` the gateway repeats; anything longer is cut (a detail is a sentence, not a dump). */
const MAX_DETAIL = 300;

/** What went wrong in a call to a peer, in words safe to log: no body, no query string, no secret. */
export interface PeerFailure {
  readonly peer: PeerName;
  /** `peer-status` (the peer answered an error), `unknown-route`, `bad-response` (schema drift) or `unreachable`. */
  readonly kind: 'peer-status' | 'unknown-route' | 'bad-response' | 'unreachable';
  readonly status?: number;
  /** For `unreachable`: the error name and code (`Error ECONNREFUSED`, `TimeoutError`). */
  readonly cause?: string;
}

export function unavailable(peer: PeerName): ProblemException {
  return new ProblemException(503, `The ${peer} service is unavailable; try again shortly.`, problemTypes.serviceUnavailable);
}

export function badGateway(peer: PeerName): ProblemException {
  return new ProblemException(502, `The ${peer} service could not complete the request; try again shortly.`, problemTypes.serviceUnavailable);
}

/**
 * Maps a failed call to a peer's internal API onto the problem the gateway answers. The peer's 400, 409 and 422
 * are answers about the caller's request and pass through with the peer's detail and the fields it names (our own services write those
 * for people to read); 404 becomes the gateway's own "No such <what>". Anything else (a 5xx, a 401 from a wrong
 * internal token, a missing route, a response that does not match the shared schema, a refused connection or a
 * timeout) says nothing useful to the API's caller and is answered 502/503 with no internals.
 */
export function peerProblem(peer: PeerName, error: unknown, what: string): { problem: ProblemException; failure?: PeerFailure } {
  if (error instanceof InternalApiError) {
    const problem = error.problem;
    const detail = detailOf(problem);
    switch (error.status) {
      case 404:
        // Nest's answer for a route it does not have: the peer is not the version this gateway speaks to.
        if (isUnknownRoute(problem)) return { problem: badGateway(peer), failure: { peer, kind: 'unknown-route', status: 404 } };
        return { problem: notFound(what) };
      case 400:
        return {
          problem: new ProblemException(400, detail ?? 'The request is invalid.', problemTypes.invalidRequest, invalidFieldsOf(problem)),
        };
      case 409:
        return {
          problem: new ProblemException(
            409,
            detail ?? `The ${what} conflicts with its current state.`,
            typeOf(problem),
            invalidFieldsOf(problem),
            conflictMembersOf(problem),
          ),
        };
      case 422:
        return { problem: new ProblemException(422, detail ?? `The ${what} cannot be processed.`, typeOf(problem), refusedFieldsOf(problem)) };
      case 502:
      case 503:
      case 504:
        return { problem: unavailable(peer), failure: { peer, kind: 'peer-status', status: error.status } };
      default:
        return { problem: badGateway(peer), failure: { peer, kind: 'peer-status', status: error.status } };
    }
  }
  if (error instanceof z.core.$ZodError) return { problem: badGateway(peer), failure: { peer, kind: 'bad-response' } };
  return { problem: unavailable(peer), failure: { peer, kind: 'unreachable', cause: causeOf(error) } };
}

function detailOf(problem: Record<string, unknown>): string | undefined {
  const detail = problem['detail'];
  if (typeof detail !== 'string' || detail.trim() === '') return undefined;
  return detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL - 1)}…` : detail;
}

/** The peer's problem type when it is a URI (our services' `https://parley.dev/problems/...`), else about:blank. */
function typeOf(problem: Record<string, unknown>): string {
  const type = problem['type'];
  return typeof type === 'string' && /^(https?:\/\/|urn:)[^\s]{1,200}$/.test(type) ? type : 'about:blank';
}

function isUnknownRoute(problem: Record<string, unknown>): boolean {
  const message = problem['message'] ?? problem['detail'];
  // Nest's default body, or our services' problem filters ("No route matches GET /internal/...").
  return typeof message === 'string' && /^(Cannot|No route matches) (GET|POST|PUT|PATCH|DELETE) \//.test(message);
}

const invalidField = z.object({ field: z.string().min(1).max(200), message: z.string().min(1).max(MAX_DETAIL) });
const refusedField = z.object({ field: z.string().min(1).max(200), reason: z.string().min(1).max(MAX_DETAIL) });

function invalidFieldsOf(problem: Record<string, unknown>): FieldError[] | undefined {
  const parsed = z.array(invalidField).safeParse(problem['errors']);
  return parsed.success && parsed.data.length > 0 ? parsed.data : undefined;
}

function refusedFieldsOf(problem: Record<string, unknown>): RefusedField[] | undefined {
  const parsed = z.array(refusedField).safeParse(problem['errors']);
  return parsed.success && parsed.data.length > 0 ? parsed.data : undefined;
}

/** A sync conflict names the sync already running; nothing else of a peer's 409 is repeated. */
function conflictMembersOf(problem: Record<string, unknown>): Record<string, string> {
  const activeSyncId = z.uuid().safeParse(problem['activeSyncId']);
  return activeSyncId.success ? { activeSyncId: activeSyncId.data } : {};
}

/** The error's name and its system error code, or the one under it (`Error ECONNREFUSED`), never its message. */
function causeOf(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'unknown';
  const { name, code: own, cause } = error as { name?: unknown; code?: unknown; cause?: { code?: unknown } };
  const label = typeof name === 'string' && /^\w{1,60}$/.test(name) ? name : 'Error';
  // undici's request() throws the socket's error itself (`Error ECONNREFUSED`); fetch() wrapped it as a TypeError's cause.
  const code = own ?? cause?.code;
  return typeof code === 'string' && /^\w{1,60}$/.test(code) ? `${label} ${code}` : label;
}
