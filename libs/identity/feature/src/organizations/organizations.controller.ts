import { Controller, Inject, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteBody, type RouteParams, type RouteResult } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute, RouteBody as Body, RouteParams as Params } from '@parley/service-runtime';
import { OrganizationStore } from './organization-store';

const routes = internalRoutes.identity;

/** The gateway, for the operator's /v1/orgs. */
@Controller()
@UseGuards(InternalAuthGuard)
export class OrganizationsController {
  constructor(@Inject(OrganizationStore) private readonly organizations: OrganizationStore) {}

  @InternalRoute(routes.createOrganization)
  create(@Body(routes.createOrganization) body: RouteBody<typeof routes.createOrganization>): Promise<RouteResult<typeof routes.createOrganization>> {
    return this.organizations.create(body.name);
  }

  @InternalRoute(routes.organization)
  get(@Params(routes.organization) { orgId }: RouteParams<typeof routes.organization>): Promise<RouteResult<typeof routes.organization>> {
    return this.organizations.get(orgId);
  }

  /** The gateway handing over an organization of an earlier version's gateway schema (ADR 0009). */
  @InternalRoute(routes.adoptOrganization)
  adopt(
    @Params(routes.adoptOrganization) { orgId }: RouteParams<typeof routes.adoptOrganization>,
    @Body(routes.adoptOrganization) body: RouteBody<typeof routes.adoptOrganization>,
  ): Promise<RouteResult<typeof routes.adoptOrganization>> {
    return this.organizations.adopt(orgId, body);
  }
}
