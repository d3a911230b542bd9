import { Controller, Inject, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteParams as Params, type RouteQuery as Query, type RouteResult } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute, RouteParams, RouteQuery } from '@parley/service-runtime';
import { ConversationsReader } from './conversations-reader';

const routes = internalRoutes.relay;

/** What the gateway shows admins: the org's twins and each message's delivery state. */
@Controller()
@UseGuards(InternalAuthGuard)
export class ConversationsController {
  constructor(@Inject(ConversationsReader) private readonly reader: ConversationsReader) {}

  @InternalRoute(routes.conversations)
  list(
    @RouteParams(routes.conversations) { orgId }: Params<typeof routes.conversations>,
    @RouteQuery(routes.conversations) query: Query<typeof routes.conversations>,
  ): Promise<RouteResult<typeof routes.conversations>> {
    return this.reader.conversations(orgId, query);
  }

  @InternalRoute(routes.conversationMessages)
  messages(
    @RouteParams(routes.conversationMessages) { orgId, conversationId }: Params<typeof routes.conversationMessages>,
    @RouteQuery(routes.conversationMessages) query: Query<typeof routes.conversationMessages>,
  ): Promise<RouteResult<typeof routes.conversationMessages>> {
    return this.reader.messages(orgId, conversationId, query);
  }
}
