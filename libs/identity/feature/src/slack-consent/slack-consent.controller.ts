import { Body, Controller, Header, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import {
  completeConsentRequest,
  redeemConsentPromptRequest,
  slackUserTokenRequest,
  type completeConsentResult,
  type consentLink,
  type RedeemConsentPromptRequest,
  type SlackUserTokenRequest,
  type SlackUserTokenResult,
} from '@parley/internal-api';
import { InternalAuthGuard, ZodValidationPipe } from '@parley/service-runtime';
import { OrgIdPipe } from '../http/problem';
import { SlackConsentService } from './slack-consent.service';
import { SlackConsentPrompts } from './slack-consent-prompts';

/** `internalPaths.identity.slackConsent`: the gateway's Slack callback hands over the code and state. */
@Controller('internal/consent/slack')
@UseGuards(InternalAuthGuard)
export class SlackConsentController {
  constructor(@Inject(SlackConsentService) private readonly consent: SlackConsentService) {}

  @Post()
  @HttpCode(200)
  complete(@Body(new ZodValidationPipe(completeConsentRequest)) body: z.output<typeof completeConsentRequest>): Promise<z.output<typeof completeConsentResult>> {
    return this.consent.complete(body.code, body.state);
  }
}

/** `internalPaths.identity.slackUserToken`: a consented person's Slack user token, for slack-connector only. */
@Controller('internal/orgs/:orgId/slack-user-tokens')
@UseGuards(InternalAuthGuard)
export class SlackUserTokensController {
  constructor(@Inject(SlackConsentService) private readonly consent: SlackConsentService) {}

  @Post()
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  issue(@Param('orgId', OrgIdPipe) orgId: string, @Body(new ZodValidationPipe(slackUserTokenRequest)) body: SlackUserTokenRequest): Promise<SlackUserTokenResult> {
    return this.consent.userToken(orgId, body);
  }
}

/** `internalPaths.identity.slackConsentPrompt`: the gateway trades a prompt's token for a fresh Slack consent link. */
@Controller('internal/consent/slack/prompts')
@UseGuards(InternalAuthGuard)
export class SlackConsentPromptsController {
  constructor(@Inject(SlackConsentPrompts) private readonly prompts: SlackConsentPrompts) {}

  @Post()
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  redeem(@Body(new ZodValidationPipe(redeemConsentPromptRequest)) body: RedeemConsentPromptRequest): Promise<z.output<typeof consentLink>> {
    return this.prompts.redeem(body.prompt, body.redirectUri);
  }
}
