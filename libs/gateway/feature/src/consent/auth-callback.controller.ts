import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { completeConsentRequest, completeConsentResult, internalPaths } from '@parley/internal-api';
import { ProblemException } from '@parley/service-runtime';
import { PeerApi } from '../peers/peer-api';
import { consentGranted, consentLinkIncomplete, consentLinkInvalid, consentRefusedByProvider, consentUnavailable, type ConsentPage } from './consent-page';
import { sendConsentPage } from './send-consent-page';

const single = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * Where a person's browser lands after consenting on the identity platform (Account Sync). Public, no bearer: the
 * `state` identity issued with the link is what ties the code to the person, and identity checks it. The answer is a
 * page for a person, never a stack or a problem document; the code and state are never logged.
 */
@Controller('auth')
export class AuthCallbackController {
  constructor(@Inject(PeerApi) private readonly peers: PeerApi) {}

  @Get('callback')
  async callback(@Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    sendConsentPage(response, await this.outcome(query));
  }

  private async outcome(query: Record<string, unknown>): Promise<ConsentPage> {
    const error = single(query['error']);
    if (error) return consentRefusedByProvider(error, single(query['error_description']));
    const request = completeConsentRequest.safeParse({ code: single(query['code']), state: single(query['state']) });
    if (!request.success) return consentLinkIncomplete();
    try {
      const result = await this.peers.call('identity', 'POST', internalPaths.identity.consent(), completeConsentResult, request.data, {
        what: 'consent link',
      });
      return consentGranted(result.email);
    } catch (error) {
      // identity refuses an unknown, used or expired state, or a code the identity platform will not redeem.
      if (error instanceof ProblemException && error.getStatus() < 500) return consentLinkInvalid();
      return consentUnavailable();
    }
  }
}
