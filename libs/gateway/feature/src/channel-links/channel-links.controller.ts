import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import {
  createChannelLinkRequest,
  internalRoutes,
  relayPageQuery,
  type ChannelLinkPage,
  type ChannelLinkView,
  type CreateChannelLinkRequest,
  type RelayPageQuery,
} from '@parley/internal-api';
import { ZodValidationPipe } from '@parley/service-runtime';
import { ApiKeyGuard, OrgOnly, orgPrincipalOf } from '../auth/auth.guard';
import { PeerApi } from '../peers/peer-api';
import { badGateway } from '../peers/peer-errors';
import { ownedOrNotFound, resourceIdOrNotFound } from '../peers/scoping';

const WHAT = 'channel link';
/** Linking reads both channels from their platforms, and may create one (Graph makes a channel in a few seconds). */
const LINK_TIMEOUT_MS = 60_000;

/**
 * Channel Sync: an admin links a Slack channel with a Teams channel (or names one and has Parley create its twin).
 * The relay owns the links; from the link on, every message in either channel appears in the other, from its author.
 */
@Controller('v1/channel-links')
@UseGuards(ApiKeyGuard)
@OrgOnly()
export class ChannelLinksController {
  constructor(@Inject(PeerApi) private readonly peers: PeerApi) {}

  @Post()
  @HttpCode(201)
  async create(@Body(new ZodValidationPipe(createChannelLinkRequest)) body: CreateChannelLinkRequest, @Req() request: Request): Promise<ChannelLinkView> {
    const { orgId } = orgPrincipalOf(request);
    const view = await this.peers.send(internalRoutes.relay.createChannelLink, { params: { orgId }, body }, { what: WHAT, timeoutMs: LINK_TIMEOUT_MS });
    return ownedOrNotFound(view, orgId, WHAT);
  }

  @Get()
  async list(@Query(new ZodValidationPipe(relayPageQuery, 'query')) query: RelayPageQuery, @Req() request: Request): Promise<ChannelLinkPage> {
    const { orgId } = orgPrincipalOf(request);
    const page = await this.peers.send(internalRoutes.relay.channelLinks, { params: { orgId }, query }, { what: WHAT });
    if (page.items.some((link) => link.orgId !== orgId)) throw badGateway('relay');
    return page;
  }

  @Get(':id')
  async get(@Param('id') id: string, @Req() request: Request): Promise<ChannelLinkView> {
    const { orgId } = orgPrincipalOf(request);
    const linkId = resourceIdOrNotFound(id, WHAT);
    return ownedOrNotFound(await this.peers.send(internalRoutes.relay.channelLink, { params: { orgId, linkId } }, { what: WHAT }), orgId, WHAT);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Req() request: Request): Promise<void> {
    const { orgId } = orgPrincipalOf(request);
    const linkId = resourceIdOrNotFound(id, WHAT);
    await this.peers.send(internalRoutes.relay.deleteChannelLink, { params: { orgId, linkId } }, { what: WHAT });
  }
}
