import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import {
  adoptOrganizationRequest,
  createOrganizationRequest,
  type AdoptOrganizationRequest,
  type CreateOrganizationRequest,
  type OrganizationView,
} from '@parley/internal-api';
import { InternalAuthGuard, ZodValidationPipe } from '@parley/service-runtime';
import { OrgIdPipe } from '../http/problem';
import { OrganizationStore } from './organization-store';

/** `internalPaths.identity.organizations / organization`: the gateway, for the operator's /v1/orgs. */
@Controller('internal/orgs')
@UseGuards(InternalAuthGuard)
export class OrganizationsController {
  constructor(@Inject(OrganizationStore) private readonly organizations: OrganizationStore) {}

  @Post()
  @HttpCode(201)
  create(@Body(new ZodValidationPipe(createOrganizationRequest)) body: CreateOrganizationRequest): Promise<OrganizationView> {
    return this.organizations.create(body.name);
  }

  @Get(':orgId')
  get(@Param('orgId', OrgIdPipe) orgId: string): Promise<OrganizationView> {
    return this.organizations.get(orgId);
  }

  /** The gateway handing over an organization of an earlier version's gateway schema (ADR 0009). */
  @Put(':orgId')
  adopt(
    @Param('orgId', OrgIdPipe) orgId: string,
    @Body(new ZodValidationPipe(adoptOrganizationRequest)) body: AdoptOrganizationRequest,
  ): Promise<OrganizationView> {
    return this.organizations.adopt(orgId, body);
  }
}
