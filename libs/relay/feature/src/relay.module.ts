import { Module } from '@nestjs/common';

/** Relay: conversation and message links; arrives with the relay issue. Health, readiness, metrics and the bus come from the runtime. */
@Module({})
export class RelayModule {}
