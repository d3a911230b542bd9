import { BadRequestException, Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { internalPaths, teamsConnectionInput, type VerifyConnectionResult } from '@parley/internal-api';
import { InternalAuthGuard } from '@parley/service-runtime';
import { ConnectionVerifier } from './connection-verifier';

/** `POST /internal/connections/verify` (gateway -> teams-connector): check Teams credentials before they are stored. */
@Controller()
@UseGuards(InternalAuthGuard)
export class VerifyController {
  constructor(@Inject(ConnectionVerifier) private readonly verifier: ConnectionVerifier) {}

  @Post(internalPaths.connector.verify())
  @HttpCode(200)
  async verify(@Body() body: unknown): Promise<VerifyConnectionResult> {
    const parsed = teamsConnectionInput.safeParse(body);
    if (!parsed.success) {
      // zod 4 messages never quote the input, so nothing sent (a secret) is echoed.
      const errors = parsed.error.issues.flatMap((issue) => {
        const base = issue.path.map(String).join('.');
        if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'unknown field' }));
        return [{ field: base || '(body)', message: issue.message }];
      });
      throw new BadRequestException({
        type: 'urn:parley:problem:invalid-request',
        title: 'Bad Request',
        status: 400,
        detail: `The Teams connection is invalid: ${errors.map((e) => e.field).join(', ')}.`,
        errors,
      });
    }
    return this.verifier.verify(parsed.data);
  }
}
