import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import type { z } from 'zod';
import { internalRoutes, type OrganizationView } from '@parley/internal-api';
import { notFound, ZodValidationPipe } from '@parley/service-runtime';
import { ApiKeyStore } from '../auth/api-key-store';
import { ApiKeyGuard, OperatorOnly, principalOf } from '../auth/auth.guard';
import { PeerApi } from '../peers/peer-api';
import { OrgHandover } from './org-handover';
import { CreateOrgRequest, type CreatedOrg } from './org.schemas';

const WHAT = 'organization';

/** `/v1/orgs`: organizations are identity's; the gateway adds the admin key, the one thing it keeps of them. */
@Controller('v1/orgs')
@UseGuards(ApiKeyGuard)
export class OrgsController {
  constructor(
    @Inject(PeerApi) private readonly peers: PeerApi,
    @Inject(ApiKeyStore) private readonly apiKeys: ApiKeyStore,
    @Inject(OrgHandover) private readonly handover: OrgHandover,
  ) {}

  /**
   * Operator only: identity records the organization (and announces it), then the gateway issues its first admin
   * key, which is in this response and nowhere else.
   */
  @Post()
  @HttpCode(201)
  @OperatorOnly()
  async create(@Body(new ZodValidationPipe(CreateOrgRequest)) body: z.output<typeof CreateOrgRequest>): Promise<z.output<typeof CreatedOrg>> {
    const org = await this.peers.send(internalRoutes.identity.createOrganization, { body: { name: body.name } }, { what: WHAT });
    const adminApiKey = await this.apiKeys.issueAdminKey(org.id);
    return { ...org, adminApiKey };
  }

  /** The operator sees any org; an org key only its own, and 404 for every other (existence is not revealed). */
  @Get(':id')
  async get(@Param('id') id: string, @Req() request: Request): Promise<OrganizationView> {
    const principal = principalOf(request);
    if (principal.kind === 'org' && principal.orgId !== id) throw notFound(WHAT);
    if (!/^org_[A-Za-z0-9]{8,40}$/.test(id)) throw notFound(WHAT);
    // Right after an upgrade, an earlier version's organization may not be handed over to identity yet.
    const waiting = await this.handover.waiting(id);
    if (waiting) return waiting;
    return this.peers.send(internalRoutes.identity.organization, { params: { orgId: id } }, { what: WHAT });
  }
}
