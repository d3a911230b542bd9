import { Inject, Injectable } from '@nestjs/common';
import { Secret } from '@parley/config';
import { InternalApiError, internalRoutes, NEEDS_ATTENTION_PROBLEM } from '@parley/internal-api';
import { INTERNAL_API, type InternalApiAccess } from '@parley/service-runtime';

/** A person's Slack user token (xoxp-), as identity keeps it after their Slack consent. */
export interface SlackUserToken {
  readonly token: Secret;
  readonly slackUserId: string;
}

/** Whom the token is for: a Parley person (a delivery's sender), or a Slack account (an event's authorization). */
export type TokenSubject = { readonly personId: string } | { readonly slackUserId: string };

/**
 * Reads people's Slack user tokens from identity, per call that uses them (ADR 0011: never cached). `undefined` means
 * identity holds no consent for them (409 needs-attention) or knows no such person: Parley cannot speak as them.
 */
@Injectable()
export class SlackUserTokens {
  constructor(@Inject(INTERNAL_API) private readonly internalApi: InternalApiAccess) {}

  async of(orgId: string, connectionId: string, subject: TokenSubject): Promise<SlackUserToken | undefined> {
    try {
      const answer = await this.internalApi.send(internalRoutes.identity.slackUserToken, { params: { orgId }, body: { connectionId, ...subject } });
      return { token: new Secret(answer.accessToken), slackUserId: answer.slackUserId };
    } catch (error) {
      if (error instanceof InternalApiError && (error.status === 404 || (error.status === 409 && error.problem.type === NEEDS_ATTENTION_PROBLEM))) return undefined;
      throw error;
    }
  }
}
