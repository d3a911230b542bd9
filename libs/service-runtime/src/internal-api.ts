import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Secret } from '@parley/config';
import { InternalApiClient, type AnyInternalRoute, type InternalStream, type RouteResponse, type RouteSendArgs } from '@parley/internal-api';
import { outgoingContextHeaders } from './http/request-context';

export type PeerName = 'identity' | 'provisioning' | 'slack-connector' | 'teams-connector' | 'relay';
export const INTERNAL_API = Symbol('INTERNAL_API');

/**
 * How a service reaches its peers' `/internal/...` APIs and checks the calls it receives. One shared bearer from
 * configuration (`PARLEY_INTERNAL_TOKEN`); in embedded mode the launcher makes one per boot.
 * Peer URLs may be filled in after start (embedded services listen on ephemeral ports), so they are looked up per call.
 * Every call carries the request and correlation ids of the work in hand (`X-Request-Id`, `X-Correlation-Id`).
 */
export class InternalApiAccess {
  private readonly digest: Buffer;

  constructor(
    private readonly token: Secret,
    private readonly urls: Partial<Record<PeerName, string>>,
  ) {
    this.digest = sha256(token.reveal());
  }

  client(peer: PeerName, timeoutMs?: number): InternalApiClient {
    const baseUrl = this.urls[peer];
    if (!baseUrl) throw new Error(`no URL is configured for the ${peer} service`);
    return new InternalApiClient({ baseUrl, token: () => this.token.reveal(), contextHeaders: outgoingContextHeaders }, timeoutMs);
  }

  /** Calls a route of the table on the service that answers it (`route.service`). */
  send<R extends AnyInternalRoute>(route: R, ...request: RouteSendArgs<R>): Promise<RouteResponse<R>> {
    return this.client(route.service).send(route, ...request);
  }

  /** Calls a route that answers bytes (a file's content) on the service that answers it, as a stream. */
  stream<R extends AnyInternalRoute>(route: R, ...request: RouteSendArgs<R>): Promise<InternalStream> {
    return this.client(route.service).stream(route, ...request);
  }

  setUrl(peer: PeerName, url: string): void {
    this.urls[peer] = url;
  }

  /** Whether an `Authorization` header value is the internal bearer: the caller is a peer. */
  isPeer(authorization: string | undefined): boolean {
    const match = /^Bearer (.+)$/.exec(authorization ?? '');
    return match !== null && this.accepts(match[1]);
  }

  /** Constant-time check of a presented bearer. */
  accepts(presented: string | undefined): boolean {
    if (!presented) return false;
    return timingSafeEqual(sha256(presented), this.digest);
  }
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Guards every `/internal/...` controller: only peers holding the internal token get in. */
@Injectable()
export class InternalAuthGuard implements CanActivate {
  constructor(@Inject(INTERNAL_API) private readonly access: InternalApiAccess) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    if (!this.access.isPeer(request.headers['authorization'])) throw new UnauthorizedException('internal API: missing or wrong internal token');
    return true;
  }
}
