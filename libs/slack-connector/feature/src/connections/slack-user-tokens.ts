import { Inject, Injectable } from '@nestjs/common';
import { Secret } from '@parley/config';
import { InternalApiError, internalRoutes, NEEDS_ATTENTION_PROBLEM } from '@parley/internal-api';
import { INTERNAL_API, type InternalApiAccess } from '@parley/service-runtime';
import { SLACK_CONNECTOR_CONFIG, type SlackConnectorConfig } from '../config';
import { ReusedSecrets } from './reused-secrets';

/** A person's Slack user token (xoxp-), as identity keeps it after their Slack consent. */
export interface SlackUserToken {
  readonly token: Secret;
  readonly slackUserId: string;
}

/** Whom the token is for: a Parley person (a delivery's sender), or a Slack account (an event's authorization). */
export type TokenSubject = { readonly personId: string } | { readonly slackUserId: string };

/** How long "identity holds no token for them" is reused, so a consent given meanwhile is used within seconds. */
const NO_TOKEN_REUSE_MS = 5_000;

/**
 * Reads people's Slack user tokens from identity for the relay's paths, reused for `PARLEY_SLACK_TOKEN_REUSE_MS`
 * (ADR 0033, which narrows ADR 0011). `undefined` means identity holds no consent for them (409 needs-attention) or
 * knows no such person: Parley cannot speak as them. A caller whose token Slack refuses calls `forget`.
 */
@Injectable()
export class SlackUserTokens {
  private readonly reused: ReusedSecrets<SlackUserToken | undefined>;

  constructor(
    @Inject(INTERNAL_API) private readonly internalApi: InternalApiAccess,
    @Inject(SLACK_CONNECTOR_CONFIG) config: SlackConnectorConfig,
  ) {
    this.reused = new ReusedSecrets(config.tokenReuseMs, (token) => (token ? config.tokenReuseMs : NO_TOKEN_REUSE_MS));
  }

  of(orgId: string, connectionId: string, subject: TokenSubject): Promise<SlackUserToken | undefined> {
    return this.reused.get(keyOf(orgId, connectionId, subject), () => this.read(orgId, connectionId, subject));
  }

  /** Drops a person's token Slack refused, so the next use asks identity again. */
  forget(orgId: string, connectionId: string, subject: TokenSubject): void {
    this.reused.forget(keyOf(orgId, connectionId, subject));
  }

  private async read(orgId: string, connectionId: string, subject: TokenSubject): Promise<SlackUserToken | undefined> {
    try {
      const answer = await this.internalApi.send(internalRoutes.identity.slackUserToken, { params: { orgId }, body: { connectionId, ...subject } });
      return { token: new Secret(answer.accessToken), slackUserId: answer.slackUserId };
    } catch (error) {
      if (error instanceof InternalApiError && (error.status === 404 || (error.status === 409 && error.problem.type === NEEDS_ATTENTION_PROBLEM))) return undefined;
      throw error;
    }
  }
}

function keyOf(orgId: string, connectionId: string, subject: TokenSubject): string {
  return `${orgId}:${connectionId}:${'personId' in subject ? `person:${subject.personId}` : `slack:${subject.slackUserId}`}`;
}
