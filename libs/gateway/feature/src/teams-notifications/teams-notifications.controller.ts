import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { publicPaths } from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import { INTERNAL_API, LOGGER, type InternalApiAccess } from '@parley/service-runtime';

/** Graph waits 10 s for a validation answer and 3 s for a notification; the connector answers both well within. */
const FORWARD_TIMEOUT_MS = 10_000;

/**
 * Microsoft Graph's change and lifecycle notifications reach Parley here, on the gateway's public host (the Ingress
 * and embedded mode publish only the gateway), and go on to teams-connector as they came: query (the validation
 * handshake's `validationToken`), JSON body and request id, and teams-connector's answer (status, content type, body) back to Graph.
 * No API key: the connector verifies every item (clientState, validation tokens, encrypted resource data). Nothing of
 * the body or query is logged.
 */
@Controller()
export class TeamsNotificationsController {
  constructor(
    @Inject(INTERNAL_API) private readonly access: InternalApiAccess,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post(publicPaths.teamsNotifications)
  notifications(@Req() request: Request, @Res() response: Response): Promise<void> {
    return this.forward(publicPaths.teamsNotifications, request, response);
  }

  @Post(publicPaths.teamsLifecycle)
  lifecycle(@Req() request: Request, @Res() response: Response): Promise<void> {
    return this.forward(publicPaths.teamsLifecycle, request, response);
  }

  private async forward(path: string, request: Request, response: Response): Promise<void> {
    const query = request.originalUrl.includes('?') ? request.originalUrl.slice(request.originalUrl.indexOf('?')) : '';
    const json = request.is('application/json') && request.body !== undefined;
    try {
      const client = this.access.client('teams-connector');
      const answer = await fetch(`${client.baseUrl}${path}${query}`, {
        method: 'POST',
        headers: {
          'content-type': json ? 'application/json' : 'text/plain',
          ...(typeof request.headers['x-request-id'] === 'string' ? { 'x-request-id': request.headers['x-request-id'] } : {}),
        },
        body: json ? JSON.stringify(request.body) : '',
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
      const body = Buffer.from(await answer.arrayBuffer());
      const type = answer.headers.get('content-type');
      response.status(answer.status);
      if (type) response.type(type);
      response.send(body);
    } catch (error) {
      this.logger.warn({ err: error, path }, 'teams-connector did not take a Graph notification; Graph will send it again');
      response.status(503).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503 }));
    }
  }
}
