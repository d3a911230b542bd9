import { Controller, Get, Inject, Param, Query, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { internalRoutes, relayPageQuery, type ConversationPage, type RelayedMessagePage, type RelayPageQuery } from '@parley/internal-api';
import { ZodValidationPipe } from '@parley/service-runtime';
import { ApiKeyGuard, OrgOnly, orgPrincipalOf } from '../auth/auth.guard';
import { PeerApi } from '../peers/peer-api';
import { badGateway } from '../peers/peer-errors';
import { resourceIdOrNotFound } from '../peers/scoping';

const WHAT = 'conversation';

/**
 * Relayed conversations (twins) and the state of each message on the other side, owned by the relay. Ids, states and
 * reasons only: Parley keeps no message text.
 */
@Controller('v1/conversations')
@UseGuards(ApiKeyGuard)
@OrgOnly()
export class ConversationsController {
  constructor(@Inject(PeerApi) private readonly peers: PeerApi) {}

  @Get()
  async list(@Query(new ZodValidationPipe(relayPageQuery, 'query')) query: RelayPageQuery, @Req() request: Request): Promise<ConversationPage> {
    const { orgId } = orgPrincipalOf(request);
    const page = await this.peers.send(internalRoutes.relay.conversations, { params: { orgId }, query }, { what: WHAT });
    if (page.items.some((c) => c.orgId !== orgId)) throw badGateway('relay');
    return page;
  }

  @Get(':id/messages')
  async messages(
    @Param('id') id: string,
    @Query(new ZodValidationPipe(relayPageQuery, 'query')) query: RelayPageQuery,
    @Req() request: Request,
  ): Promise<RelayedMessagePage> {
    const { orgId } = orgPrincipalOf(request);
    const conversationId = resourceIdOrNotFound(id, WHAT);
    const page = await this.peers.send(internalRoutes.relay.conversationMessages, { params: { orgId, conversationId }, query }, { what: WHAT });
    if (page.items.some((m) => m.orgId !== orgId || m.conversationId !== conversationId)) throw badGateway('relay');
    return page;
  }
}
