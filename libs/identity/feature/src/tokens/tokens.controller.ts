import { Body, Controller, Header, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { tokenRequest, type TokenRequest, type TokenResult } from '@parley/internal-api';
import { InternalAuthGuard, ZodValidationPipe } from '@parley/service-runtime';
import { OrgIdPipe } from '../http/problem';
import { TokenService } from './token.service';

/** `internalPaths.identity.tokens`: an access token for the app, the team owner or a person (connectors only). */
@Controller('internal/orgs/:orgId/tokens')
@UseGuards(InternalAuthGuard)
export class TokensController {
  constructor(@Inject(TokenService) private readonly tokens: TokenService) {}

  @Post()
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  issue(@Param('orgId', OrgIdPipe) orgId: string, @Body(new ZodValidationPipe(tokenRequest)) body: TokenRequest): Promise<TokenResult> {
    return this.tokens.issue(orgId, body);
  }
}
