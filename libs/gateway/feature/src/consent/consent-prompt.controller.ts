import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { internalRoutes, redeemConsentPromptRequest } from '@parley/internal-api';
import { ProblemException } from '@parley/service-runtime';
import { PUBLIC_URL, slackConsentRedirectUri } from '../config/public-url';
import { PeerApi } from '../peers/peer-api';
import { consentLinkInvalid, consentUnavailable } from './consent-page';
import { sendConsentPage } from './send-consent-page';

/**
 * `/auth/slack/start?prompt=…`: the link in the one Slack consent prompt Parley posts a Teams-primary person on Teams.
 * The prompt's token lives for weeks; each click trades it at identity for a fresh single-use consent state and sends
 * the browser on to Slack's authorize page, back to `/auth/slack/callback`. Public, no bearer; the token is never
 * logged. A stale or unknown token gets the page a person understands, never a problem document.
 */
@Controller('auth/slack')
export class ConsentPromptController {
  constructor(
    @Inject(PeerApi) private readonly peers: PeerApi,
    @Inject(PUBLIC_URL) private readonly publicUrl: string,
  ) {}

  @Get('start')
  async start(@Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const request = redeemConsentPromptRequest.safeParse({ prompt: query['prompt'], redirectUri: slackConsentRedirectUri(this.publicUrl) });
    if (!request.success) return sendConsentPage(response, consentLinkInvalid());
    try {
      const link = await this.peers.send(internalRoutes.identity.redeemSlackConsentPrompt, { body: request.data }, { what: 'consent prompt' });
      response.setHeader('cache-control', 'no-store');
      response.redirect(302, link.url);
    } catch (error) {
      sendConsentPage(response, error instanceof ProblemException && error.getStatus() < 500 ? consentLinkInvalid() : consentUnavailable());
    }
  }
}
