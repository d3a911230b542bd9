import { Controller, Header, Inject, UseGuards } from '@nestjs/common';
import { internalRoutes, type RouteBody, type RouteParams, type RouteQuery, type RouteResult } from '@parley/internal-api';
import { InternalAuthGuard, InternalRoute, RouteBody as Body, RouteParams as Params, RouteQuery as Query } from '@parley/service-runtime';
import { ConsentService } from '../consent/consent.service';
import { GuestPasswords } from '../guests/guest-passwords';
import { SlackConsentService } from '../slack-consent/slack-consent.service';
import { PeopleStore } from './people-store';

const routes = internalRoutes.identity;

@Controller()
@UseGuards(InternalAuthGuard)
export class PeopleController {
  constructor(
    @Inject(PeopleStore) private readonly people: PeopleStore,
    @Inject(GuestPasswords) private readonly guestPasswords: GuestPasswords,
    @Inject(ConsentService) private readonly consent: ConsentService,
    @Inject(SlackConsentService) private readonly slackConsent: SlackConsentService,
  ) {}

  @InternalRoute(routes.people)
  list(@Params(routes.people) { orgId }: RouteParams<typeof routes.people>, @Query(routes.people) query: RouteQuery<typeof routes.people>): Promise<RouteResult<typeof routes.people>> {
    return this.people.list(orgId, query);
  }

  /** relay: the people behind platform user ids (members, senders, mentions), many at once. */
  @InternalRoute(routes.resolvePeople)
  resolve(
    @Params(routes.resolvePeople) { orgId }: RouteParams<typeof routes.resolvePeople>,
    @Body(routes.resolvePeople) body: RouteBody<typeof routes.resolvePeople>,
  ): Promise<RouteResult<typeof routes.resolvePeople>> {
    return this.people.resolve(orgId, body.platform, body.platformUserIds);
  }

  @InternalRoute(routes.person)
  get(@Params(routes.person) { orgId, personId }: RouteParams<typeof routes.person>): Promise<RouteResult<typeof routes.person>> {
    return this.people.get(orgId, personId);
  }

  /** An admin's explicit primary platform; later syncs keep it. */
  @InternalRoute(routes.updatePerson)
  update(
    @Params(routes.updatePerson) { orgId, personId }: RouteParams<typeof routes.updatePerson>,
    @Body(routes.updatePerson) body: RouteBody<typeof routes.updatePerson>,
  ): Promise<RouteResult<typeof routes.updatePerson>> {
    return this.people.setPrimaryPlatform(orgId, personId, body.primaryPlatform);
  }

  @InternalRoute(routes.consentLink)
  @Header('cache-control', 'no-store')
  consentLink(
    @Params(routes.consentLink) { orgId, personId }: RouteParams<typeof routes.consentLink>,
    @Query(routes.consentLink) query: RouteQuery<typeof routes.consentLink>,
  ): Promise<RouteResult<typeof routes.consentLink>> {
    return query.platform === 'slack' ? this.slackConsent.link(orgId, personId, query.redirectUri) : this.consent.link(orgId, personId, query.redirectUri);
  }

  /** teams-connector: the home account's password behind this person's guest (the same on every call). */
  @InternalRoute(routes.guestPassword)
  @Header('cache-control', 'no-store')
  guestPassword(
    @Params(routes.guestPassword) { orgId, personId }: RouteParams<typeof routes.guestPassword>,
    @Body(routes.guestPassword) body: RouteBody<typeof routes.guestPassword>,
  ): Promise<RouteResult<typeof routes.guestPassword>> {
    return this.guestPasswords.passwordFor(orgId, personId, body);
  }
}
