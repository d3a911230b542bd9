import { Body, Controller, Inject, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { publicPaths } from '@parley/internal-api';
import { NotificationIntake, type IntakeOutcome } from './notification-intake';

/** The public paths Graph posts to (published through the gateway and the Ingress; no internal bearer). */
export const TEAMS_NOTIFICATION_PATH = publicPaths.teamsNotifications;
export const TEAMS_LIFECYCLE_PATH = publicPaths.teamsLifecycle;

const MAX_VALIDATION_TOKEN_LENGTH = 1024;

/** Graph's validation handshake: the decoded token back, as text/plain, at once. */
function answerValidation(response: Response, token: unknown): boolean {
  if (typeof token !== 'string') return false;
  // Graph's tokens are about 100 characters; a long one is not Graph's, and is not echoed.
  if (token.length > MAX_VALIDATION_TOKEN_LENGTH) {
    response.status(400).type('text/plain; charset=utf-8').send('validationToken too long');
    return true;
  }
  response.status(200).type('text/plain; charset=utf-8').send(token);
  return true;
}

function answer(response: Response, outcome: IntakeOutcome): void {
  if (outcome.status === 202) {
    response.status(202).end();
    return;
  }
  // A refusal says why in general terms; what exactly was wrong is in the connector's log, never echoed.
  response
    .status(outcome.status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title: outcome.status === 503 ? 'Service Unavailable' : outcome.status === 401 ? 'Unauthorized' : 'Bad Request', status: outcome.status, detail: 'The notification was not accepted.' }));
}

/**
 * Microsoft Graph change notifications (chat messages) and lifecycle notifications for Parley's subscriptions. Both
 * answer a `validationToken` handshake; notifications are verified item by item before anything reaches the relay.
 */
@Controller()
export class NotificationController {
  constructor(@Inject(NotificationIntake) private readonly intake: NotificationIntake) {}

  @Post(TEAMS_NOTIFICATION_PATH)
  async notifications(@Query('validationToken') validationToken: unknown, @Body() body: unknown, @Res() response: Response): Promise<void> {
    if (answerValidation(response, validationToken)) return;
    answer(response, await this.intake.changes(body));
  }

  @Post(TEAMS_LIFECYCLE_PATH)
  async lifecycle(@Query('validationToken') validationToken: unknown, @Body() body: unknown, @Res() response: Response): Promise<void> {
    if (answerValidation(response, validationToken)) return;
    answer(response, await this.intake.lifecycle(body));
  }
}
