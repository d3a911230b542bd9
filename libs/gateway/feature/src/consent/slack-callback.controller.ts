import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { completeConsentRequest, completeConsentResult, internalPaths, SLACK_CONSENT_WRONG_ACCOUNT_PROBLEM } from '@parley/internal-api';
import { ProblemException } from '@parley/service-runtime';
import { PeerApi } from '../peers/peer-api';
import {
  consentLinkIncomplete,
  consentLinkInvalid,
  consentUnavailable,
  slackConsentGranted,
  slackConsentRefused,
  slackConsentWrongAccount,
  type ConsentPage,
} from './consent-page';
import { sendConsentPage } from './send-consent-page';

const single = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * Where a Teams-primary person's browser lands after Slack's authorize page. Public, no bearer: the `state` identity
 * issued with the link ties the code to the person, and identity checks it (single use, expiry, the Slack account).
 * The answer is a page for a person; the code and state are never logged.
 */
@Controller('auth/slack')
export class SlackCallbackController {
  constructor(@Inject(PeerApi) private readonly peers: PeerApi) {}

  @Get('callback')
  async callback(@Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    sendConsentPage(response, await this.outcome(query));
  }

  private async outcome(query: Record<string, unknown>): Promise<ConsentPage> {
    const error = single(query['error']);
    if (error) return slackConsentRefused(error);
    const request = completeConsentRequest.safeParse({ code: single(query['code']), state: single(query['state']) });
    if (!request.success) return consentLinkIncomplete();
    try {
      const result = await this.peers.call('identity', 'POST', internalPaths.identity.slackConsent(), completeConsentResult, request.data, {
        what: 'consent link',
      });
      return slackConsentGranted(result.email);
    } catch (error) {
      if (error instanceof ProblemException && error.problemType === SLACK_CONSENT_WRONG_ACCOUNT_PROBLEM) return slackConsentWrongAccount();
      // identity refuses an unknown, used or expired state, or a code Slack will not redeem.
      if (error instanceof ProblemException && error.getStatus() < 500) return consentLinkInvalid();
      return consentUnavailable();
    }
  }
}
