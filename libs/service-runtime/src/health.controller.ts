import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { ServiceMetrics } from '@parley/observability';
import type { ServiceInfrastructure } from './infrastructure';
import { METRICS } from './tokens';

export const INFRASTRUCTURE = Symbol('INFRASTRUCTURE');

@Controller()
export class HealthController {
  constructor(
    @Inject(INFRASTRUCTURE) private readonly infra: ServiceInfrastructure,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
  ) {}

  /** Liveness: the event loop answers. Deliberately checks nothing else, so a database outage does not restart pods. */
  @Get('healthz')
  @Header('Cache-Control', 'no-store')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: this service's own Kafka, database and Redis connections, checked in parallel with short timeouts. */
  @Get('readyz')
  @Header('Cache-Control', 'no-store')
  async readyz(@Res() res: Response): Promise<void> {
    const names = Object.keys(this.infra.readiness) as (keyof ServiceInfrastructure['readiness'])[];
    const results = await Promise.all(names.map((name) => this.infra.readiness[name]()));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i]]));
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  }

  @Get('metrics')
  async prometheus(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    res.setHeader('Content-Type', contentType);
    res.send(body);
  }
}
