import { Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ProblemException } from '@parley/service-runtime';
import { OPERATOR_API_KEY, type OperatorApiKey } from '../config/operator-key';
import { unauthorized } from '../http/problem-details';
import { ApiKeyStore } from './api-key-store';
import { bearerToken, isWellFormedApiKey, secretsEqual } from './api-keys';

/** Who is calling: the operator (from configuration) or an org admin key, which sees only its own org. */
export type Principal = { readonly kind: 'operator' } | { readonly kind: 'org'; readonly orgId: string; readonly keyId: string };

export type AuthenticatedRequest = Request & { principal?: Principal };

const OPERATOR_ONLY = 'parley:operator-only';
/** The route is for the operator key only; an org key gets 403 (the route is public in the OpenAPI document anyway). */
export const OperatorOnly = () => SetMetadata(OPERATOR_ONLY, true);

const ORG_ONLY = 'parley:org-only';
/**
 * The route acts inside one organization, the one the org admin key belongs to; the operator key, which belongs to
 * no organization, gets 403 (mirror image of OperatorOnly).
 */
export const OrgOnly = () => SetMetadata(ORG_ONLY, true);

export function principalOf(request: Request): Principal {
  const principal = (request as AuthenticatedRequest).principal;
  if (!principal) throw unauthorized();
  return principal;
}

/** The org admin principal of an `@OrgOnly()` route (the guard has already refused anyone else). */
export function orgPrincipalOf(request: Request): Extract<Principal, { kind: 'org' }> {
  const principal = principalOf(request);
  if (principal.kind !== 'org') throw new ProblemException(403, ORG_ONLY_DETAIL);
  return principal;
}

const ORG_ONLY_DETAIL = 'This needs an organization admin API key; the operator key manages organizations only.';

/** Every /v1 route: `Authorization: Bearer <key>` with the operator key or a live org key, else 401. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(OPERATOR_API_KEY) private readonly operatorKey: OperatorApiKey,
    @Inject(ApiKeyStore) private readonly apiKeys: ApiKeyStore,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw unauthorized();
    request.principal = await this.authenticate(token);
    const operatorOnly = this.reflector.getAllAndOverride<boolean | undefined>(OPERATOR_ONLY, [context.getHandler(), context.getClass()]);
    if (operatorOnly && request.principal.kind !== 'operator') throw new ProblemException(403, 'This needs the operator API key.');
    const orgOnly = this.reflector.getAllAndOverride<boolean | undefined>(ORG_ONLY, [context.getHandler(), context.getClass()]);
    if (orgOnly && request.principal.kind !== 'org') throw new ProblemException(403, ORG_ONLY_DETAIL);
    return true;
  }

  private async authenticate(token: string): Promise<Principal> {
    if (this.operatorKey && secretsEqual(token, this.operatorKey.reveal())) return { kind: 'operator' };
    if (isWellFormedApiKey(token)) {
      const key = await this.apiKeys.resolveKey(token);
      if (key) return { kind: 'org', orgId: key.orgId, keyId: key.keyId };
    }
    throw unauthorized('The API key is not valid.');
  }
}
