import { Module } from '@nestjs/common';

/** Provisioning: user-sync jobs; the planner arrives with the user-sync issue. Health, readiness, metrics and the bus come from the runtime. */
@Module({})
export class ProvisioningModule {}
