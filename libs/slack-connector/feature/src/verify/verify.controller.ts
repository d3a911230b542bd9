import { BadRequestException, Body, Controller, HttpCode, Post, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { internalPaths, slackConnectionInput, type VerifyConnectionResult } from '@parley/internal-api';
import { fieldErrors, InternalAuthGuard } from '@parley/service-runtime';
import { SlackUnavailableError } from '@parley/slack-connector-slack-access';
import { ConnectionVerifier } from './connection-verifier';

/** gateway -> slack-connector: check Slack credentials before identity stores them. */
@Controller()
@UseGuards(InternalAuthGuard)
export class VerifyController {
  constructor(private readonly verifier: ConnectionVerifier) {}

  @Post(internalPaths.connector.verify())
  @HttpCode(200)
  async verify(@Body() body: unknown): Promise<VerifyConnectionResult> {
    const parsed = slackConnectionInput.safeParse(body);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      throw new BadRequestException({
        type: 'https://parley.dev/problems/invalid-request',
        title: 'Invalid request',
        status: 400,
        detail: `The Slack connection is invalid: ${errors.map((e) => e.field).join(', ')}.`,
        errors,
      });
    }
    try {
      return await this.verifier.verify(parsed.data);
    } catch (error) {
      if (error instanceof SlackUnavailableError) {
        throw new ServiceUnavailableException({
          type: 'https://parley.dev/problems/platform-unavailable',
          title: 'Slack is unavailable',
          status: 503,
          detail: `Slack could not check the credentials right now (${error.message}); try again.`,
        });
      }
      throw error;
    }
  }
}
