import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import { completeConsentRequest, type completeConsentResult } from '@parley/internal-api';
import { InternalAuthGuard, ZodValidationPipe } from '@parley/service-runtime';
import { ConsentService } from './consent.service';

/** `internalPaths.identity.consent`: the gateway's OAuth callback hands over the code and state. */
@Controller('internal/consent')
@UseGuards(InternalAuthGuard)
export class ConsentController {
  constructor(@Inject(ConsentService) private readonly consent: ConsentService) {}

  @Post()
  @HttpCode(200)
  complete(@Body(new ZodValidationPipe(completeConsentRequest)) body: z.output<typeof completeConsentRequest>): Promise<z.output<typeof completeConsentResult>> {
    return this.consent.complete(body.code, body.state);
  }
}
