import type { Type } from '@nestjs/common';
import type { ConfigSection } from '@parley/config';
import type { GenericDetails } from './http/problem-details';
import type { ServiceName } from './service-catalog';

/** What an app tells the runtime about itself: its name, its feature module and its schema's migrations. */
export interface ServiceDefinition {
  readonly name: ServiceName;
  readonly module: Type<unknown>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly migrations: Function[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly entities?: Function[];
  /**
   * Keep each request's raw bytes as `req.rawBody` besides the parsed body: a service that checks a platform's
   * signature over the exact bytes (Slack's Events API) needs them.
   */
  readonly rawBody?: boolean;
  /**
   * The service's own details for HTTP errors its code did not write (a 405, a 415), over the runtime's: every
   * service answers every HTTP error as problem details through the runtime's one filter.
   */
  readonly problemDetails?: GenericDetails;
  /**
   * Configuration only this service reads. runService validates it with everything else before starting (exit 78
   * on a bad variable) and the feature module receives the parsed values under `SERVICE_CONFIG`, keyed as here.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly configSections?: Readonly<Record<string, ConfigSection<any, any>>>;
}
