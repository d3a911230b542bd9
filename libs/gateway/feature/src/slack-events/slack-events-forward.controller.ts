import { Controller, Inject, Post, Req, Res, type RawBodyRequest } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from '@parley/observability';
import { INTERNAL_API, LOGGER, type InternalApiAccess } from '@parley/service-runtime';

/** Slack's Events API request URL on the public host: `<PARLEY_PUBLIC_URL>/slack/events`. */
export const SLACK_EVENTS_PUBLIC_PATH = '/slack/events';

/** The headers Slack's check and retry handling need; nothing else crosses (no cookies, no Authorization). */
const FORWARDED_HEADERS = ['content-type', 'x-slack-signature', 'x-slack-request-timestamp', 'x-slack-retry-num', 'x-slack-retry-reason'] as const;

/**
 * The gateway is the only public service (the Ingress routes to it alone), so Slack's Events API reaches
 * slack-connector through here: the exact bytes and Slack's headers are passed on and slack-connector's answer
 * (the ack, a url_verification challenge, a refusal) is passed back. slack-connector verifies the signature; the
 * gateway adds no trust of its own and no internal token.
 */
@Controller()
export class SlackEventsForwardController {
  constructor(
    @Inject(INTERNAL_API) private readonly internalApi: InternalApiAccess,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post(SLACK_EVENTS_PUBLIC_PATH)
  async forward(@Req() request: RawBodyRequest<Request>, @Res() response: Response): Promise<void> {
    const body = request.rawBody;
    if (!body) {
      response.status(400).type('application/problem+json').json({ title: 'Bad Request', status: 400, detail: 'expected a Slack Events API request body' });
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = request.header(name);
      if (value) headers[name] = value;
    }
    try {
      // Slack waits 3 s for the ack; past that it retries anyway, so a slow hop is cut short.
      const answer = await fetch(`${this.internalApi.client('slack-connector').baseUrl}${SLACK_EVENTS_PUBLIC_PATH}`, {
        method: 'POST',
        headers,
        body: new Uint8Array(body),
        signal: AbortSignal.timeout(2_900),
      });
      const text = await answer.text();
      const type = answer.headers.get('content-type');
      if (type) response.type(type);
      response.status(answer.status).send(text);
    } catch (error) {
      this.logger.warn({ err: error }, 'slack-connector did not take the Slack event; Slack will retry it');
      response.status(503).type('application/problem+json').json({ title: 'Service Unavailable', status: 503, detail: 'try again' });
    }
  }
}
