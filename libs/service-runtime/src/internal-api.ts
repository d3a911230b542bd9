import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Secret } from '@parley/config';
import { InternalApiClient } from '@parley/internal-api';

export type PeerName = 'identity' | 'provisioning' | 'slack-connector' | 'teams-connector';
export const INTERNAL_API = Symbol('INTERNAL_API');

/**
 * How a service reaches its peers' `/internal/...` APIs and checks the calls it receives. One shared bearer from
 * configuration (`PARLEY_INTERNAL_TOKEN`); in embedded mode the launcher makes one per boot.
 * Peer URLs may be filled in after start (embedded services listen on ephemeral ports), so they are looked up per call.
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
    return new InternalApiClient({ baseUrl, token: () => this.token.reveal() }, timeoutMs);
  }

  setUrl(peer: PeerName, url: string): void {
    this.urls[peer] = url;
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
    const header = request.headers['authorization'] ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    if (!match || !this.access.accepts(match[1])) throw new UnauthorizedException('internal API: missing or wrong internal token');
    return true;
  }
}
