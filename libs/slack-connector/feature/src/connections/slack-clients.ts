import { Inject, Injectable } from '@nestjs/common';
import type { CacheBackend } from '@parley/cache';
import type { Secret } from '@parley/config';
import type { Logger, ServiceMetrics } from '@parley/observability';
import { CACHE, LOGGER, METRICS } from '@parley/service-runtime';
import { ScimClient, SlackPacer, SlackWebApi } from '@parley/slack-connector-slack-access';
import { SLACK_CONNECTOR_CONFIG, type SlackConnectorConfig } from '../config';
import type { SlackConnection } from './slack-connections';

/** Makes Web API and SCIM clients that all draw from one pacer over the runtime's shared rate limiter. */
@Injectable()
export class SlackClients {
  readonly pacer: SlackPacer;

  constructor(
    @Inject(CACHE) cache: CacheBackend,
    @Inject(SLACK_CONNECTOR_CONFIG) private readonly config: SlackConnectorConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: ServiceMetrics,
  ) {
    this.pacer = new SlackPacer(cache.rateLimiter, config.limits, logger.child({ component: 'slack-pacer' }), undefined, metrics.platform);
  }

  webApi(apiUrl: string, token: Secret, workspace: string): SlackWebApi {
    return new SlackWebApi({ apiUrl, token, workspace, pacer: this.pacer, logger: this.logger, timeoutMs: this.config.httpTimeoutMs });
  }

  scim(scimUrl: string, token: Secret, workspace: string): ScimClient {
    return new ScimClient({ scimUrl, token, workspace, pacer: this.pacer, timeoutMs: this.config.httpTimeoutMs });
  }

  webApiFor(connection: SlackConnection): SlackWebApi {
    return this.webApi(connection.settings.apiUrl, connection.botToken, connection.settings.teamId);
  }

  /** The SCIM client of a connection, or undefined when it holds no SCIM token. */
  scimFor(connection: SlackConnection): ScimClient | undefined {
    return connection.scimToken ? this.scim(connection.settings.scimUrl, connection.scimToken, connection.settings.teamId) : undefined;
  }
}
