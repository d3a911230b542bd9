import { Controller, Header, Inject, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteBody, type RouteParams, type RouteResult } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute, RouteBody as Body, RouteParams as Params } from '@parley/service-runtime';
import { SlackConsentService } from './slack-consent.service';
import { SlackConsentPrompts } from './slack-consent-prompts';

const routes = internalRoutes.identity;

/** The gateway's Slack callback hands over the code and state. */
@Controller()
@UseGuards(InternalAuthGuard)
export class SlackConsentController {
  constructor(@Inject(SlackConsentService) private readonly consent: SlackConsentService) {}

  @InternalRoute(routes.completeSlackConsent)
  complete(@Body(routes.completeSlackConsent) body: RouteBody<typeof routes.completeSlackConsent>): Promise<RouteResult<typeof routes.completeSlackConsent>> {
    return this.consent.complete(body.code, body.state);
  }
}

/** A consented person's Slack user token, for slack-connector only. */
@Controller()
@UseGuards(InternalAuthGuard)
export class SlackUserTokensController {
  constructor(@Inject(SlackConsentService) private readonly consent: SlackConsentService) {}

  @InternalRoute(routes.slackUserToken)
  @Header('cache-control', 'no-store')
  issue(
    @Params(routes.slackUserToken) { orgId }: RouteParams<typeof routes.slackUserToken>,
    @Body(routes.slackUserToken) body: RouteBody<typeof routes.slackUserToken>,
  ): Promise<RouteResult<typeof routes.slackUserToken>> {
    return this.consent.userToken(orgId, body);
  }
}

/** The gateway trades a prompt's token for a fresh Slack consent link. */
@Controller()
@UseGuards(InternalAuthGuard)
export class SlackConsentPromptsController {
  constructor(@Inject(SlackConsentPrompts) private readonly prompts: SlackConsentPrompts) {}

  @InternalRoute(routes.redeemSlackConsentPrompt)
  @Header('cache-control', 'no-store')
  redeem(@Body(routes.redeemSlackConsentPrompt) body: RouteBody<typeof routes.redeemSlackConsentPrompt>): Promise<RouteResult<typeof routes.redeemSlackConsentPrompt>> {
    return this.prompts.redeem(body.prompt, body.redirectUri);
  }
}
