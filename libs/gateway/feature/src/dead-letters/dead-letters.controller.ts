import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { z } from 'zod';
import { DATA_SOURCE, ProblemException, ZodValidationPipe } from '@parley/service-runtime';
import { ApiKeyGuard, OperatorOnly } from '../auth/auth.guard';
import { problemTypes } from '../http/problem-details';
import { DeadLetterQuery, type DeadLetterPage } from './dead-letter.schemas';

interface Row {
  id: string;
  event_id: string;
  original_topic: string;
  partition: number | null;
  offset: string | null;
  message_key: string | null;
  consumer_group: string;
  reason: string;
  failure: 'invalid-payload' | 'handler-failed';
  attempts: number;
  dead_lettered_at: Date | string;
}

/**
 * Operator only: recent dead letters, newest first. The original value and headers stay in the table for replay
 * and are not returned: payloads may carry personal data that has no business in an API listing.
 */
@Controller('v1/dead-letters')
@UseGuards(ApiKeyGuard)
@OperatorOnly()
export class DeadLettersController {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  @Get()
  async list(@Query(new ZodValidationPipe(DeadLetterQuery, 'query')) query: z.output<typeof DeadLetterQuery>): Promise<DeadLetterPage> {
    const before = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (query.cursor && !before) {
      throw new ProblemException(400, 'The query is invalid: cursor.', problemTypes.invalidRequest, [
        { field: 'cursor', message: 'not a cursor this API returned' },
      ]);
    }
    const rows: Row[] = await this.dataSource.query(
      `SELECT id, event_id, original_topic, partition, "offset", message_key, consumer_group, reason, failure, attempts, dead_lettered_at
         FROM gateway.dead_letters WHERE ($1::bigint IS NULL OR id < $1::bigint) ORDER BY id DESC LIMIT $2`,
      [before ?? null, query.limit + 1],
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.event_id,
        originalTopic: r.original_topic,
        partition: r.partition,
        offset: r.offset,
        key: r.message_key,
        consumerGroup: r.consumer_group,
        reason: r.reason,
        failure: r.failure,
        attempts: r.attempts,
        deadLetteredAt: new Date(r.dead_lettered_at).toISOString(),
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor(String(last.id)) : null,
    };
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
