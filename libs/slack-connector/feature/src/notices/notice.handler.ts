import { Controller } from '@nestjs/common';
import { EventPattern, Payload as MessagePayload } from '@nestjs/microservices';
import type { Payload } from '@parley/contracts';
import { NoticePoster } from './notice-poster';

@Controller()
export class NoticeHandler {
  constructor(private readonly notices: NoticePoster) {}

  @EventPattern('parley.slack.notice.requested.v1')
  async onNoticeRequested(@MessagePayload() request: Payload<'parley.slack.notice.requested.v1'>): Promise<void> {
    await this.notices.post(request);
  }
}
