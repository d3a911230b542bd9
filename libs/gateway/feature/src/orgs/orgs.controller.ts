import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import type { z } from 'zod';
import { notFound, ZodValidationPipe } from '@parley/service-runtime';
import { ApiKeyGuard, OperatorOnly, principalOf } from '../auth/auth.guard';
import { CreateOrgRequest } from './org.schemas';
import { OrgStore, type CreatedOrg, type Org } from './org-store';

@Controller('v1/orgs')
@UseGuards(ApiKeyGuard)
export class OrgsController {
  constructor(@Inject(OrgStore) private readonly orgs: OrgStore) {}

  /** Operator only: creates an organization with its first admin key, which is in this response and nowhere else. */
  @Post()
  @HttpCode(201)
  @OperatorOnly()
  async create(@Body(new ZodValidationPipe(CreateOrgRequest)) body: z.output<typeof CreateOrgRequest>): Promise<CreatedOrg> {
    return this.orgs.create(body.name);
  }

  /** The operator sees any org; an org key only its own, and 404 for every other (existence is not revealed). */
  @Get(':id')
  async get(@Param('id') id: string, @Req() request: Request): Promise<Org> {
    const principal = principalOf(request);
    if (principal.kind === 'org' && principal.orgId !== id) throw notFound('organization');
    const org = await this.orgs.find(id);
    if (!org) throw notFound('organization');
    return org;
  }
}
