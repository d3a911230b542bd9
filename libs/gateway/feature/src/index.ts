import type { ServiceDefinition } from '@parley/service-runtime';
import { GatewayModule } from './gateway.module';
import { GatewayInit1732700000100 } from './migrations/1732700000100-gateway-init';

export { GatewayModule };

export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  module: GatewayModule,
  migrations: [GatewayInit1732700000100],
};
