import { Module } from '@nestjs/common';

/** Slack connector: everything that speaks Slack; ingress and Web API calls arrive with the sandbox and sync issues. Health, readiness, metrics and the bus come from the runtime. */
@Module({})
export class SlackConnectorModule {}
