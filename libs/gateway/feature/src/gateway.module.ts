import { Module } from '@nestjs/common';

/** Gateway: the admin REST API; its endpoints arrive with the user-sync issue. Health, readiness, metrics and the bus come from the runtime. */
@Module({})
export class GatewayModule {}
