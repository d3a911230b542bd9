import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { relayPageQuery, type ConversationPage, type RelayedMessagePage, type RelayPageQuery } from '@parley/internal-api';
import { INVALID_REQUEST_PROBLEM, InternalAuthGuard, ProblemException, ZodValidationPipe } from '@parley/service-runtime';
import { ConversationsReader } from './conversations-reader';

const ORG_ID = /^org_[A-Za-z0-9]{8,40}$/;

/** `internalPaths.relay.conversations / conversationMessages`: what the gateway shows admins. */
@Controller('internal/orgs/:orgId/conversations')
@UseGuards(InternalAuthGuard)
export class ConversationsController {
  constructor(@Inject(ConversationsReader) private readonly reader: ConversationsReader) {}

  @Get()
  list(@Param('orgId') orgId: string, @Query(new ZodValidationPipe(relayPageQuery, 'query')) query: RelayPageQuery): Promise<ConversationPage> {
    return this.reader.conversations(checkedOrgId(orgId), query);
  }

  @Get(':id/messages')
  messages(
    @Param('orgId') orgId: string,
    @Param('id') id: string,
    @Query(new ZodValidationPipe(relayPageQuery, 'query')) query: RelayPageQuery,
  ): Promise<RelayedMessagePage> {
    return this.reader.messages(checkedOrgId(orgId), id, query);
  }
}

function checkedOrgId(orgId: string): string {
  if (!ORG_ID.test(orgId)) {
    throw new ProblemException(400, 'orgId: expected an org id like org_XXXXXXXX.', INVALID_REQUEST_PROBLEM, [{ field: 'orgId', message: 'expected an org id like org_XXXXXXXX' }]);
  }
  return orgId;
}
