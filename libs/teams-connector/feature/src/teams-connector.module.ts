import { Module } from '@nestjs/common';

/** Teams connector: everything that speaks Microsoft Graph; arrives with the sandbox and sync issues. Health, readiness, metrics and the bus come from the runtime. */
@Module({})
export class TeamsConnectorModule {}
