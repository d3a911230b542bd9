import { Body, Controller, Get, Header, HttpCode, Inject, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import {
  consentLinkQuery,
  guestPasswordRequest,
  listPeopleQuery,
  resolvePeopleRequest,
  updatePersonRequest,
  type ListPeopleQuery,
  type PeoplePage,
  type PersonView,
  type ResolvedPeople,
  type ResolvePeopleRequest,
} from '@parley/internal-api';
import { InternalAuthGuard, ZodValidationPipe } from '@parley/service-runtime';
import { ConsentService } from '../consent/consent.service';
import { GuestPasswords } from '../guests/guest-passwords';
import { OrgIdPipe } from '../http/problem';
import { SlackConsentService } from '../slack-consent/slack-consent.service';
import { PeopleStore } from './people-store';

/** `internalPaths.identity.people / resolvePeople / person / consentLink / guestPassword`. */
@Controller('internal/orgs/:orgId/people')
@UseGuards(InternalAuthGuard)
export class PeopleController {
  constructor(
    @Inject(PeopleStore) private readonly people: PeopleStore,
    @Inject(GuestPasswords) private readonly guestPasswords: GuestPasswords,
    @Inject(ConsentService) private readonly consent: ConsentService,
    @Inject(SlackConsentService) private readonly slackConsent: SlackConsentService,
  ) {}

  @Get()
  list(@Param('orgId', OrgIdPipe) orgId: string, @Query(new ZodValidationPipe(listPeopleQuery, 'query')) query: ListPeopleQuery): Promise<PeoplePage> {
    return this.people.list(orgId, query);
  }

  /** relay: the people behind platform user ids (members, senders, mentions), many at once. */
  @Post('resolve')
  @HttpCode(200)
  resolve(@Param('orgId', OrgIdPipe) orgId: string, @Body(new ZodValidationPipe(resolvePeopleRequest)) body: ResolvePeopleRequest): Promise<ResolvedPeople> {
    return this.people.resolve(orgId, body.platform, body.platformUserIds);
  }

  @Get(':id')
  get(@Param('orgId', OrgIdPipe) orgId: string, @Param('id') id: string): Promise<PersonView> {
    return this.people.get(orgId, id);
  }

  /** An admin's explicit primary platform; later syncs keep it. */
  @Patch(':id')
  update(
    @Param('orgId', OrgIdPipe) orgId: string,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(updatePersonRequest)) body: z.output<typeof updatePersonRequest>,
  ): Promise<PersonView> {
    return this.people.setPrimaryPlatform(orgId, id, body.primaryPlatform);
  }

  @Get(':id/consent-link')
  @Header('cache-control', 'no-store')
  consentLink(
    @Param('orgId', OrgIdPipe) orgId: string,
    @Param('id') id: string,
    @Query(new ZodValidationPipe(consentLinkQuery, 'query')) query: z.output<typeof consentLinkQuery>,
  ): Promise<{ url: string; expiresAt: string }> {
    return query.platform === 'slack' ? this.slackConsent.link(orgId, id, query.redirectUri) : this.consent.link(orgId, id, query.redirectUri);
  }

  /** teams-connector: the home account's password behind this person's guest (the same on every call). */
  @Post(':id/guest-password')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  guestPassword(
    @Param('orgId', OrgIdPipe) orgId: string,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(guestPasswordRequest)) body: z.output<typeof guestPasswordRequest>,
  ): Promise<{ password: string }> {
    return this.guestPasswords.passwordFor(orgId, id, body);
  }
}
