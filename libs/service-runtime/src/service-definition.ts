import type { Type } from '@nestjs/common';
import type { ServiceName } from './service-catalog';

/** What an app tells the runtime about itself: its name, its feature module and its schema's migrations. */
export interface ServiceDefinition {
  readonly name: ServiceName;
  readonly module: Type<unknown>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly migrations: Function[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly entities?: Function[];
}
