import { Controller, Inject, Post, Req, Res, type RawBodyRequest } from '@nestjs/common';
import { verifySlackRequest } from '@slack/bolt';
import type { Request, Response } from 'express';
import type { Logger } from '@parley/observability';
import { LOGGER } from '@parley/service-runtime';
import { publicPaths } from '@parley/internal-api';
import { SlackConnections, type SlackConnection } from '../connections/slack-connections';
import { ChannelLinks } from '../channels/channel-links';
import { eventTsOf, InboundEvents } from './inbound-events';
import { channelOfChannelMessage } from './message-event';
import { SlackEventProcessor } from './slack-event-processor';

/** Slack's replay window: a request signed more than five minutes ago (or ahead) is refused. */
const REPLAY_WINDOW_SECONDS = 5 * 60;
/** How often a signature mismatch may make the connector read a connection's signing secret again. */
const SECRET_REREAD_INTERVAL_MS = 10_000;

/** Slack's Events API request URL, published through the gateway and the Ingress (ADR 0019). */
export const SLACK_EVENTS_PATH = publicPaths.slackEvents;

type Json = Record<string, unknown>;

/**
 * The Events API endpoint. It verifies the request with Bolt's own `verifySlackRequest` (v0 signature over the raw
 * bytes, 5-minute window) against the signing secret of the workspace the envelope names, stores the event (its
 * event_id is the primary key, so a retry is recognized durably) and acks; publishing happens after the ack, from the
 * stored row (ADR 0019). Nothing unverified is stored or published.
 */
@Controller()
export class SlackEventIngressController {
  private readonly secretRereads = new Map<string, number>();

  constructor(
    private readonly connections: SlackConnections,
    private readonly inbound: InboundEvents,
    private readonly processor: SlackEventProcessor,
    private readonly links: ChannelLinks,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post(SLACK_EVENTS_PATH)
  async receive(@Req() request: RawBodyRequest<Request>, @Res() response: Response): Promise<void> {
    const refuse = (status: number, detail: string, extra: Json = {}) => {
      this.logger.warn({ status, detail, retryNum: request.header('x-slack-retry-num'), ...extra }, 'Slack event refused');
      response.status(status).type('application/problem+json').json({ title: status === 401 ? 'Unauthorized' : 'Bad Request', status, detail });
    };
    const raw = request.rawBody?.toString('utf8');
    const signature = request.header('x-slack-signature');
    const timestamp = Number(request.header('x-slack-request-timestamp'));
    if (raw === undefined || !signature || !Number.isInteger(timestamp)) return refuse(401, 'missing Slack signature headers or body');
    if (Math.abs(Date.now() / 1000 - timestamp) > REPLAY_WINDOW_SECONDS) return refuse(401, 'the request timestamp is outside the 5-minute window');

    let envelope: Json;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      envelope = parsed as Json;
    } catch {
      return refuse(400, 'the body is not a JSON object');
    }

    // url_verification carries no workspace, so no secret can be chosen for it: the challenge is echoed (it
    // reveals nothing and triggers nothing), within the replay window only.
    if (envelope['type'] === 'url_verification') {
      const challenge = envelope['challenge'];
      if (typeof challenge !== 'string' || challenge.length === 0 || challenge.length > 200) return refuse(400, 'challenge: expected a string');
      response.status(200).json({ challenge });
      return;
    }

    const teamId = typeof envelope['team_id'] === 'string' ? envelope['team_id'] : undefined;
    if (!teamId) return refuse(400, 'team_id: missing');
    const settings = await this.connections.ofWorkspace(teamId);
    if (!settings) return refuse(401, 'no Parley connection for this workspace', { teamId });
    const signedBy = async (connection: SlackConnection) => {
      try {
        verifySlackRequest({
          signingSecret: connection.signingSecret.reveal(),
          body: raw,
          headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
        });
        return true;
      } catch {
        return false;
      }
    };
    // The signing secret is reused for a minute (ADR 0033). A mismatch reads it again, in case it was just rotated,
    // at most every 10 s per connection, so a flood of forged requests is not a flood of identity reads.
    if (!(await signedBy(await this.connections.withReusedTokens(settings.orgId, settings.id)))) {
      const last = this.secretRereads.get(settings.id) ?? 0;
      if (Date.now() - last < SECRET_REREAD_INTERVAL_MS) return refuse(401, 'the Slack signature does not match', { teamId });
      this.secretRereads.set(settings.id, Date.now());
      this.connections.forget(settings.orgId, settings.id);
      if (!(await signedBy(await this.connections.withReusedTokens(settings.orgId, settings.id)))) return refuse(401, 'the Slack signature does not match', { teamId });
    }

    const eventId = typeof envelope['event_id'] === 'string' ? envelope['event_id'] : undefined;
    if (envelope['type'] !== 'event_callback' || !eventId) {
      // app_rate_limited and the like: nothing to relay, but worth a line for an admin.
      this.logger.info({ teamId, type: envelope['type'] }, 'Slack notice received');
      response.status(200).end();
      return;
    }
    // A channel's messages are relayed only while it is linked: an unlinked channel's are acked and forgotten, so their
    // text is never stored (the processor checks again, for a link that ends while an event waits).
    const channel = channelOfChannelMessage(envelope);
    if (channel && !(await this.links.isLinkedAtIntake(settings.id, channel))) {
      this.logger.debug({ eventId, teamId, channel }, 'message of a channel that is not linked; dropped');
      response.status(200).end();
      return;
    }
    // Stored before the ack: once Slack has its 200 the event is durable, and a crash after this line only delays it.
    // Slack's envelope still carries the app's legacy verification token (`token`): a secret, and nothing here needs
    // it once the signature is checked, so it is not kept at rest. (A store that fails because the database is
    // restarting is answered 503 by the runtime's problem filter, ADR 0058, and the gateway passes the event again.)
    const { token: _verificationToken, ...kept } = envelope;
    const event = { eventId, orgId: settings.orgId, connectionId: settings.id, teamId, envelope: kept };
    const fresh = await this.inbound.store(event);
    if (!fresh) this.logger.info({ eventId, teamId, retryNum: request.header('x-slack-retry-num'), retryReason: request.header('x-slack-retry-reason') }, 'Slack event redelivered; already stored');
    response.status(200).end();
    // How late Slack's call came, by its own clock (an edit's lateness is its edit's, not its message's).
    if (fresh) this.processor.received(Date.now() - eventTsOf(event) * 1000);
  }
}
