import { Body, Controller, Get, Inject, Param, Patch, Query, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import {
  consentPlatform,
  internalRoutes,
  listPeopleQuery,
  updatePersonRequest,
  type consentLink,
  type ListPeopleQuery,
  type PeoplePage,
  type PersonView,
} from '@parley/internal-api';
import { ZodValidationPipe } from '@parley/service-runtime';
import { ApiKeyGuard, OrgOnly, orgPrincipalOf } from '../auth/auth.guard';
import { PUBLIC_URL, consentRedirectUri, slackConsentRedirectUri } from '../config/public-url';
import { PeerApi } from '../peers/peer-api';
import { badGateway } from '../peers/peer-errors';
import { ownedOrNotFound, resourceIdOrNotFound } from '../peers/scoping';

const WHAT = 'person';

/** `?platform=`: which platform's consent the link asks for; Teams (Account Sync) when absent, as before. */
export const consentLinkRequest = z.strictObject({ platform: consentPlatform.default('teams') });

/** People of the org as identity knows them, with their account on each platform (native, guest or mirror). */
@Controller('v1/people')
@UseGuards(ApiKeyGuard)
@OrgOnly()
export class PeopleController {
  constructor(
    @Inject(PeerApi) private readonly peers: PeerApi,
    @Inject(PUBLIC_URL) private readonly publicUrl: string,
  ) {}

  @Get()
  async list(@Query(new ZodValidationPipe(listPeopleQuery, 'query')) query: ListPeopleQuery, @Req() request: Request): Promise<PeoplePage> {
    const { orgId } = orgPrincipalOf(request);
    const page = await this.peers.send(internalRoutes.identity.people, { params: { orgId }, query }, { what: WHAT });
    // identity scopes by org; a person of another org in the page would be a bug there, and is never shown.
    if (page.items.some((p) => p.orgId !== orgId)) throw badGateway('identity');
    return page;
  }

  @Get(':id')
  async get(@Param('id') id: string, @Req() request: Request): Promise<PersonView> {
    const { orgId } = orgPrincipalOf(request);
    const personId = resourceIdOrNotFound(id, WHAT);
    const person = await this.peers.send(internalRoutes.identity.person, { params: { orgId, personId } }, { what: WHAT });
    return ownedOrNotFound(person, orgId, WHAT);
  }

  /** Sets the person's primary platform explicitly; identity keeps the choice across later syncs. */
  @Patch(':id')
  async update(
    @Param('id') id: string,
    @Body(new ZodValidationPipe(updatePersonRequest)) body: z.output<typeof updatePersonRequest>,
    @Req() request: Request,
  ): Promise<PersonView> {
    const { orgId } = orgPrincipalOf(request);
    const personId = resourceIdOrNotFound(id, WHAT);
    const person = await this.peers.send(internalRoutes.identity.updatePerson, { params: { orgId, personId }, body }, { what: WHAT });
    return ownedOrNotFound(person, orgId, WHAT);
  }

  /**
   * The single-use link a person opens once to let Parley act for them: `platform=teams` (the default, Account Sync)
   * on Microsoft's sign-in, back to `/auth/callback`; `platform=slack` (a Teams-primary person's Slack voice) on
   * Slack's authorize page, back to `/auth/slack/callback`.
   */
  @Get(':id/consent-link')
  async consentLink(
    @Param('id') id: string,
    @Query(new ZodValidationPipe(consentLinkRequest, 'query')) link: z.output<typeof consentLinkRequest>,
    @Req() request: Request,
  ): Promise<z.output<typeof consentLink>> {
    const { orgId } = orgPrincipalOf(request);
    const personId = resourceIdOrNotFound(id, WHAT);
    const redirectUri = link.platform === 'slack' ? slackConsentRedirectUri(this.publicUrl) : consentRedirectUri(this.publicUrl);
    return this.peers.send(internalRoutes.identity.consentLink, { params: { orgId, personId }, query: { redirectUri, platform: link.platform } }, { what: WHAT });
  }
}
