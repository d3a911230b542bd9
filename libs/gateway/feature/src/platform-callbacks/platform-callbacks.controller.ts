import { Controller, Inject, Post, Req, Res, type RawBodyRequest } from '@nestjs/common';
import type { Request, Response } from 'express';
import { request as httpRequest } from 'undici';
import { publicPaths } from '@parley/internal-api';
import { isTransientFailure } from '@parley/messaging';
import type { Logger } from '@parley/observability';
import { INTERNAL_API, LOGGER, type InternalApiAccess, type PeerName } from '@parley/service-runtime';

/** How one platform's calls are passed on: to which connector, with which of the platform's headers, how patiently. */
interface Callback {
  readonly connector: PeerName;
  /** The platform's own headers the connector's checks need; nothing else crosses (no cookies, no Authorization). */
  readonly headers: readonly string[];
  /** Slack waits 3 s for its ack and retries past that; Graph waits 10 s for a validation answer, 3 s for a notification. */
  readonly timeoutMs: number;
  readonly what: string;
}

const SLACK_EVENTS: Callback = {
  connector: 'slack-connector',
  headers: ['content-type', 'x-slack-signature', 'x-slack-request-timestamp', 'x-slack-retry-num', 'x-slack-retry-reason'],
  timeoutMs: 2_900,
  what: 'a Slack event; Slack will retry it',
};
const GRAPH_NOTIFICATIONS: Callback = {
  connector: 'teams-connector',
  headers: ['content-type'],
  timeoutMs: 10_000,
  what: 'a Graph notification; Graph will send it again',
};

/**
 * The platforms' calls into Parley: Slack's Events API (ADR 0019) and Microsoft Graph's change and lifecycle
 * notifications (ADR 0021). The gateway is the only public service (the Ingress and embedded mode publish it alone), so
 * they arrive here and go on to their connector as they came: the exact bytes (a signature covers them), the query (the
 * validation handshake's `validationToken`), the platform's headers and the request id; the connector's answer
 * (status, content type, body) goes back. No API key and no trust of the gateway's own: each connector verifies every
 * request itself. Nothing of a body or query is logged.
 */
@Controller()
export class PlatformCallbacksController {
  constructor(
    @Inject(INTERNAL_API) private readonly internalApi: InternalApiAccess,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post(publicPaths.slackEvents)
  slackEvents(@Req() request: RawBodyRequest<Request>, @Res() response: Response): Promise<void> {
    return this.forward(SLACK_EVENTS, publicPaths.slackEvents, request, response);
  }

  @Post(publicPaths.teamsNotifications)
  teamsNotifications(@Req() request: RawBodyRequest<Request>, @Res() response: Response): Promise<void> {
    return this.forward(GRAPH_NOTIFICATIONS, publicPaths.teamsNotifications, request, response);
  }

  @Post(publicPaths.teamsLifecycle)
  teamsLifecycle(@Req() request: RawBodyRequest<Request>, @Res() response: Response): Promise<void> {
    return this.forward(GRAPH_NOTIFICATIONS, publicPaths.teamsLifecycle, request, response);
  }

  private async forward(callback: Callback, path: string, request: RawBodyRequest<Request>, response: Response): Promise<void> {
    const query = request.originalUrl.includes('?') ? request.originalUrl.slice(request.originalUrl.indexOf('?')) : '';
    const headers: Record<string, string> = {};
    for (const name of [...callback.headers, 'x-request-id']) {
      const value = request.header(name);
      if (value) headers[name] = value;
    }
    // The platform gave up on this attempt (it closed the connection: Slack and Graph wait 3 s, then send it again
    // later): the connector's answer would reach no one, so the gateway stops waiting for it (a Graph notification
    // would otherwise hold its connection for the 10 s meant for the validation handshake). The connector still
    // finishes what it began: what it stored before the platform's repeat arrives keeps its place in the order.
    const platformGone = new AbortController();
    const onClose = () => {
      if (!response.writableFinished) platformGone.abort(new Error('the platform closed the connection'));
    };
    response.once('close', onClose);
    const started = Date.now();
    const deadline = started + callback.timeoutMs;
    try {
      for (let attempt = 1; !platformGone.signal.aborted; attempt++) {
        try {
          // undici's request(), not fetch(): pooled keep-alive connections without WHATWG streams (see InternalApiClient).
          const answer = await httpRequest(`${this.internalApi.client(callback.connector).baseUrl}${path}${query}`, {
            method: 'POST',
            headers,
            body: request.rawBody,
            signal: AbortSignal.any([AbortSignal.timeout(Math.max(1, deadline - Date.now())), platformGone.signal]),
          });
          const body = Buffer.from(await answer.body.arrayBuffer());
          // The connector is up but what it needs (its database, identity) is restarting: it stored nothing, so the
          // call is passed again while the platform still waits, as after a lost connection.
          const pause = RETRY_FIRST_PAUSE_MS * 2 ** (attempt - 1);
          if (answer.statusCode === 503 && Date.now() + pause - started < RETRY_WITHIN_MS) {
            await new Promise((resolve) => setTimeout(resolve, pause));
            continue;
          }
          const type = answer.headers['content-type'];
          if (typeof type === 'string') response.type(type);
          response.status(answer.statusCode).send(body);
          return;
        } catch (error) {
          if (platformGone.signal.aborted) return;
          // A replica that just died (its connection refused or cut) is not the whole connector: the next connection
          // may reach another replica, or this one back up, within the platform's wait. Safe to send again: the
          // connector recognizes a repeat (event_id, the notification's event id).
          const pause = RETRY_FIRST_PAUSE_MS * 2 ** (attempt - 1);
          // Only a refused or cut connection gets here in time: a timeout ends the platform's whole wait, past the window.
          if (isTransientFailure(error) && Date.now() + pause - started < RETRY_WITHIN_MS) {
            await new Promise((resolve) => setTimeout(resolve, pause));
            continue;
          }
          this.logger.warn({ err: error, path, attempts: attempt }, `${callback.connector} did not take ${callback.what}`);
          response.status(503).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503 }));
          return;
        }
      }
    } finally {
      response.off('close', onClose);
    }
  }
}

/**
 * After the connection to the connector was lost, or it answered 503, the call is passed on again after 100 ms, then 200, 400, 800:
 * within 2.5 s of its arrival, so that the platform (3 s for Slack's events and Graph's notifications) still gets
 * an answer before it gives up on this attempt.
 */
const RETRY_FIRST_PAUSE_MS = 100;
const RETRY_WITHIN_MS = 2_500;
