import { Inject, Injectable } from '@nestjs/common';
import type { z } from 'zod';
import type { Logger } from '@parley/observability';
import { INTERNAL_API, LOGGER, type InternalApiAccess, type PeerName } from '@parley/service-runtime';
import { peerProblem } from './peer-errors';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface PeerCallOptions {
  /** What the route is about, for a 404: "No such <what>." */
  readonly what: string;
  readonly timeoutMs?: number;
}

/**
 * The gateway's calls to the other services' internal APIs: typed (InternalApiClient with the shared schemas) and
 * answered as problem details when they fail. Failures are logged by peer, method and path only: no body, no
 * query string (it may hold a search for a person's email), no secret.
 */
@Injectable()
export class PeerApi {
  constructor(
    @Inject(INTERNAL_API) private readonly access: InternalApiAccess,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async call<S extends z.ZodType>(
    peer: PeerName,
    method: Method,
    path: string,
    schema: S | null,
    body: unknown,
    options: PeerCallOptions,
  ): Promise<z.output<S>> {
    try {
      return await this.access.client(peer, options.timeoutMs).call(method, path, schema, body);
    } catch (error) {
      const { problem, failure } = peerProblem(peer, error, options.what);
      if (failure) {
        this.logger.warn({ ...failure, method, path: path.split('?')[0], answered: problem.getStatus() }, 'call to a peer service failed');
      }
      throw problem;
    }
  }
}
