import { Body, Controller, Get, Inject, Patch, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { internalRoutes, updateRelaySettingsRequest, type RelaySettingsView, type UpdateRelaySettingsRequest } from '@parley/internal-api';
import { ZodValidationPipe } from '@parley/service-runtime';
import { ApiKeyGuard, OrgOnly, orgPrincipalOf } from '../auth/auth.guard';
import { PeerApi } from '../peers/peer-api';
import { ownedOrNotFound } from '../peers/scoping';

const WHAT = 'relay settings';

/** The organization's relay settings, owned by the relay: today, whether files are carried (ADR 0039). */
@Controller('v1/relay-settings')
@UseGuards(ApiKeyGuard)
@OrgOnly()
export class RelaySettingsController {
  constructor(@Inject(PeerApi) private readonly peers: PeerApi) {}

  @Get()
  async get(@Req() request: Request): Promise<RelaySettingsView> {
    const { orgId } = orgPrincipalOf(request);
    return ownedOrNotFound(await this.peers.send(internalRoutes.relay.relaySettings, { params: { orgId } }, { what: WHAT }), orgId, WHAT);
  }

  @Patch()
  async update(@Body(new ZodValidationPipe(updateRelaySettingsRequest)) body: UpdateRelaySettingsRequest, @Req() request: Request): Promise<RelaySettingsView> {
    const { orgId } = orgPrincipalOf(request);
    return ownedOrNotFound(await this.peers.send(internalRoutes.relay.updateRelaySettings, { params: { orgId }, body }, { what: WHAT }), orgId, WHAT);
  }
}
