import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import type { MessageBus } from '@parley/messaging';
import type { Logger } from '@parley/observability';
import { LOGGER, MESSAGE_BUS, ProblemException, ZodValidationPipe } from '@parley/service-runtime';
import { ApiKeyGuard, OperatorOnly } from '../auth/auth.guard';
import { problemTypes } from '../http/problem-details';
import { DeadLetterStore } from './dead-letter-store';
import { DeadLetterQuery, type DeadLetterPage, type DeadLetterView } from './dead-letter.schemas';

/**
 * Operator only: recent dead letters, newest first, and the two things an operator does with one: send it again to
 * its original topic (once), or discard it. The original value and headers stay in the table for the retry and are
 * not returned: payloads may carry personal data that has no business in an API listing.
 */
@Controller('v1/dead-letters')
@UseGuards(ApiKeyGuard)
@OperatorOnly()
export class DeadLettersController {
  constructor(
    @Inject(DeadLetterStore) private readonly store: DeadLetterStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  async list(@Query(new ZodValidationPipe(DeadLetterQuery, 'query')) query: z.output<typeof DeadLetterQuery>): Promise<DeadLetterPage> {
    const before = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (query.cursor && !before) {
      throw new ProblemException(400, 'The query is invalid: cursor.', problemTypes.invalidRequest, [
        { field: 'cursor', message: 'not a cursor this API returned' },
      ]);
    }
    const page = await this.store.list({ before, limit: query.limit, includeDiscarded: query.includeDiscarded });
    return { items: page.items, nextCursor: page.nextBefore === null ? null : encodeCursor(page.nextBefore) };
  }

  /** Answers the recorded state; only the first retry publishes. */
  @Post(':id/retry')
  @HttpCode(200)
  async retry(@Param('id') id: string): Promise<DeadLetterView> {
    const retried = await this.store.retry(id, (record) => this.bus.republish(record));
    this.logger.info({ deadLetterId: id, originalTopic: retried.originalTopic, retriedAt: retried.retriedAt }, 'dead letter retried');
    return retried;
  }

  @Delete(':id')
  @HttpCode(200)
  async discard(@Param('id') id: string): Promise<DeadLetterView> {
    const discarded = await this.store.discard(id);
    this.logger.info({ deadLetterId: id }, 'dead letter discarded');
    return discarded;
  }
}

/** Cursors are opaque to callers: the row id, base64url-encoded. */
export function encodeCursor(id: string): string {
  return Buffer.from(`dl:${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string | undefined {
  const match = /^dl:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match?.[1];
}
