import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { buildOpenApiDocument } from './document';

/**
 * Serves Swagger UI at /docs and the document at /docs/openapi.json. The runtime owns the Nest application, so this
 * registers the routes on its HTTP adapter from inside the module, before Nest adds its not-found handler.
 * Hybrid apps run init hooks twice (microservice, then HTTP), hence the guard.
 */
@Injectable()
export class ApiDocs implements OnModuleInit {
  private served = false;

  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (this.served || !adapter) return;
    this.served = true;
    const app = {
      getHttpAdapter: () => adapter,
      useStaticAssets: (assets: string, options: { prefix: string }) => adapter.useStaticAssets?.(assets, options),
    };
    SwaggerModule.setup('docs', app as never, buildOpenApiDocument() as unknown as OpenAPIObject, {
      jsonDocumentUrl: 'docs/openapi.json',
      raw: ['json'],
      customSiteTitle: 'Parley gateway API',
    });
  }
}
