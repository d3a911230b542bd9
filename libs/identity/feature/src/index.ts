import type { ServiceDefinition } from '@parley/service-runtime';
import { IdentityModule } from './identity.module';
import { IdentityInit1732700000000 } from './migrations/1732700000000-identity-init';
import { Person } from './people/person.entity';
import { PlatformAccount } from './people/platform-account.entity';

export { IdentityModule, Person, PlatformAccount };

export const identityService: ServiceDefinition = {
  name: 'identity',
  module: IdentityModule,
  migrations: [IdentityInit1732700000000],
  entities: [Person, PlatformAccount],
};
