import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { completeConsentRequest, internalRoutes, SLACK_CONSENT_WRONG_ACCOUNT_PROBLEM } from '@parley/internal-api';
import { ProblemException } from '@parley/service-runtime';
import { PeerApi } from '../peers/peer-api';
import {
  consentGranted,
  consentLinkIncomplete,
  consentLinkInvalid,
  consentRefusedByProvider,
  consentUnavailable,
  slackConsentGranted,
  slackConsentRefused,
  slackConsentWrongAccount,
  type ConsentPage,
} from './consent-page';
import { sendConsentPage } from './send-consent-page';

const single = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** What differs between the two consents: where identity completes them, and the pages a person sees. */
interface ConsentFlow {
  readonly complete: typeof internalRoutes.identity.completeConsent | typeof internalRoutes.identity.completeSlackConsent;
  readonly refused: (error: string, description: string | undefined) => ConsentPage;
  readonly granted: (email: string) => ConsentPage;
  /** A refusal identity names that deserves its own page (a problem type), before the generic "link invalid". */
  readonly specific?: { readonly problemType: string; readonly page: () => ConsentPage };
}

const teamsConsent: ConsentFlow = {
  complete: internalRoutes.identity.completeConsent,
  refused: consentRefusedByProvider,
  granted: consentGranted,
};

const slackConsent: ConsentFlow = {
  complete: internalRoutes.identity.completeSlackConsent,
  refused: (error) => slackConsentRefused(error),
  granted: slackConsentGranted,
  specific: { problemType: SLACK_CONSENT_WRONG_ACCOUNT_PROBLEM, page: slackConsentWrongAccount },
};

/**
 * Where a person's browser lands after consenting: `/auth/callback` from the identity platform (Account Sync),
 * `/auth/slack/callback` from Slack's authorize page (Slack consent for Teams-primary people). Public, no bearer: the
 * `state` identity issued with the link ties the code to the person, and identity checks it (single use, expiry,
 * the account). The answer is a page for a person, never a stack or a problem document; code and state are never
 * logged.
 */
@Controller('auth')
export class ConsentCallbackController {
  constructor(@Inject(PeerApi) private readonly peers: PeerApi) {}

  @Get('callback')
  async teams(@Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    sendConsentPage(response, await this.outcome(query, teamsConsent));
  }

  @Get('slack/callback')
  async slack(@Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    sendConsentPage(response, await this.outcome(query, slackConsent));
  }

  private async outcome(query: Record<string, unknown>, flow: ConsentFlow): Promise<ConsentPage> {
    const error = single(query['error']);
    if (error) return flow.refused(error, single(query['error_description']));
    const request = completeConsentRequest.safeParse({ code: single(query['code']), state: single(query['state']) });
    if (!request.success) return consentLinkIncomplete();
    try {
      const result = await this.peers.send(flow.complete, { body: request.data }, { what: 'consent link' });
      return flow.granted(result.email);
    } catch (error) {
      if (error instanceof ProblemException && flow.specific && error.problemType === flow.specific.problemType) return flow.specific.page();
      // identity refuses an unknown, used or expired state, or a code the platform will not redeem.
      if (error instanceof ProblemException && error.getStatus() < 500) return consentLinkInvalid();
      return consentUnavailable();
    }
  }
}
