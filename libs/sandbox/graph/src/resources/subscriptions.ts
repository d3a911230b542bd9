import { z } from 'zod';
import { type Requirement, authorize } from '../auth/permissions';
import { type Call, type GraphRouter, objectBody } from '../http/call';
import { json, noContent } from '../http/exchange';
import { GraphError, badRequest } from '../http/graph-error';
import { parseEncryptionCertificate } from '../notifications/encryption';
import { newGuid } from '../state/ids';
import type { Subscription } from '../state/model';
import { accessibleChat } from './chats';
import { accessibleChannel } from './teams';
import { type ResourceScope, conversationKey, parseResource, purgeExpired } from '../notifications/subscription-resource';

const MINUTE = 60_000;
/** chatMessage subscriptions: at most 3 days; a lifecycle URL over 1 hour; under 45 minutes is raised to 45. */
const MAX_MINUTES = 4320;
const LIFECYCLE_REQUIRED_MINUTES = 60;
const MIN_MINUTES = 45;

const createSchema = z.object({
  changeType: z.string().min(1),
  notificationUrl: z.string().min(1),
  lifecycleNotificationUrl: z.string().nullable().optional(),
  resource: z.string().min(1),
  expirationDateTime: z.string().min(1),
  clientState: z.string().nullable().optional(),
  includeResourceData: z.boolean().optional(),
  encryptionCertificate: z.string().nullable().optional(),
  encryptionCertificateId: z.string().nullable().optional(),
  latestSupportedTlsVersion: z.string().optional(),
});

function resourceRequirement(call: Call, scope: ResourceScope): Requirement {
  switch (scope.kind) {
    case 'allChats':
    case 'userChats':
      return { application: ['Chat.Read.All', 'Chat.ReadWrite.All'] };
    case 'allChannels':
      return { application: ['ChannelMessage.Read.All'] };
    case 'chat':
      accessibleChat(call, scope.chatId);
      return { delegated: ['Chat.Read', 'Chat.ReadWrite'], application: ['Chat.Read.All', 'Chat.ReadWrite.All'] };
    case 'channel':
      // The channel must exist, and a delegated caller must see it (a private channel's messages are its members').
      accessibleChannel(call, scope.teamId, scope.channelId);
      return { delegated: ['ChannelMessage.Read.All'], application: ['ChannelMessage.Read.All'] };
  }
}

function watchKey(scope: ResourceScope, watchedUserId: string | null): string {
  return scope.kind === 'userChats' ? `userChats:${watchedUserId ?? scope.user}` : (conversationKey(scope) ?? scope.kind);
}

/** 409 when the app already watches the same thing (however spelled: `chats/{id}`, `chats('{id}')`, another model) for an overlapping change type. */
function ensureNoDuplicate(call: Call, watched: string, changeTypes: string[], resource: string, changeType: string): void {
  for (const existing of call.sandbox.store.subscriptions.values()) {
    if (existing.tenantId !== call.principal.tenantId || existing.clientId !== call.principal.clientId) continue;
    if (watchKey(parseResource(existing.resource).scope, existing.watchedUserId ?? null) === watched && existing.changeTypes.some((c) => changeTypes.includes(c))) {
      throw new GraphError(409, 'Conflict', `A subscription for resource '${resource}' and changeType '${changeType}' already exists for this application (id ${existing.id}).`);
    }
  }
}

/** The documented quotas: 1 per app per chat or channel, 10 per user for a user's chats, 10,000 per organization. */
function enforceQuotas(call: Call, scope: ResourceScope, watchedUserId: string | null): void {
  const { store, throttle } = call.sandbox;
  const quotas = throttle.subscriptionQuotas;
  const inTenant = [...store.subscriptions.values()].filter((s) => s.tenantId === call.principal.tenantId);
  // (unverified) Graph's exact wording for these 403s.
  if (inTenant.length >= quotas.perOrganization) {
    throw new GraphError(403, 'Forbidden', `Subscription quota exceeded: this organization already has ${inTenant.length} subscriptions (limit ${quotas.perOrganization}).`);
  }
  const conversation = conversationKey(scope);
  if (conversation) {
    const mine = inTenant.filter((s) => s.clientId === call.principal.clientId && conversationKey(parseResource(s.resource).scope) === conversation);
    if (mine.length >= quotas.perAppPerChatOrChannel) {
      throw new GraphError(403, 'Forbidden', `Subscription quota exceeded: the application already has ${mine.length} subscription(s) on this ${scope.kind} (limit ${quotas.perAppPerChatOrChannel}).`);
    }
  }
  if (watchedUserId) {
    const forUser = inTenant.filter((s) => s.watchedUserId === watchedUserId);
    if (forUser.length >= quotas.perUserAllChatMessages) {
      throw new GraphError(403, 'Forbidden', `Subscription quota exceeded: user ${watchedUserId} already has ${forUser.length} getAllMessages subscriptions (limit ${quotas.perUserAllChatMessages}).`);
    }
  }
}

/** Applies the expiration rules; returns the effective expiration. */
function effectiveExpiration(raw: string, hasLifecycleUrl: boolean): string {
  const at = Date.parse(raw);
  if (Number.isNaN(at)) throw badRequest(`Invalid expirationDateTime '${raw}'.`);
  const minutes = (at - Date.now()) / MINUTE;
  if (minutes <= 0) throw badRequest('Subscription expiration can only be in the future.');
  if (minutes > MAX_MINUTES) throw badRequest(`Subscription expiration can only be 0-${MAX_MINUTES} minutes in the future.`);
  if (minutes > LIFECYCLE_REQUIRED_MINUTES && !hasLifecycleUrl) {
    throw badRequest('lifecycleNotificationUrl is a required property for subscription creation on this resource when the expirationDateTime value is set to greater than 1 hour.');
  }
  return new Date(minutes < MIN_MINUTES ? Date.now() + MIN_MINUTES * MINUTE : at).toISOString();
}

function endpointAllowed(url: string): boolean {
  try {
    const parsed = new URL(url);
    // Graph requires https; plain http is accepted only for local receivers so tests need no certificate.
    return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname));
  } catch {
    return false;
  }
}

function record(call: Call, s: Subscription): Record<string, unknown> {
  return {
    '@odata.context': `${call.sandbox.baseUrl()}/v1.0/$metadata#subscriptions/$entity`,
    id: s.id,
    resource: s.resource,
    applicationId: s.clientId,
    changeType: s.changeTypes.join(','),
    clientState: s.clientState,
    notificationUrl: s.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl,
    expirationDateTime: s.expirationDateTime,
    creatorId: s.creatorUserId ?? s.clientId,
    includeResourceData: s.includeResourceData,
    latestSupportedTlsVersion: 'v1_2',
    encryptionCertificate: s.encryptionCertificate,
    encryptionCertificateId: s.encryptionCertificateId,
    notificationUrlAppId: null,
  };
}

function ownSubscription(call: Call, id: string): Subscription {
  purgeExpired(call.sandbox.store.subscriptions);
  const subscription = call.sandbox.store.subscriptions.get(id);
  if (!subscription || subscription.tenantId !== call.principal.tenantId || subscription.clientId !== call.principal.clientId) {
    throw new GraphError(404, 'ResourceNotFound', 'The object was not found.');
  }
  return subscription;
}

export function registerSubscriptions(router: GraphRouter): void {
  router.add('POST', '/subscriptions', async (request, _params, call) => {
    const parsed = createSchema.safeParse(objectBody(request.body));
    if (!parsed.success) throw badRequest(`Invalid value for property '${parsed.error.issues[0]?.path.join('.') ?? ''}' of resource 'subscription'.`);
    const input = parsed.data;
    const { scope, billing } = parseResource(input.resource);
    authorize(call.principal, resourceRequirement(call, scope));
    let watchedUserId: string | null = null;
    if (scope.kind === 'userChats') {
      const user = call.sandbox.store.findUser(call.principal.tenantId, scope.user);
      if (!user) throw new GraphError(404, 'NotFound', `User ${scope.user} not found.`);
      watchedUserId = user.id;
    }
    const changeTypes = input.changeType.split(',').map((c) => c.trim());
    if (changeTypes.some((c) => !['created', 'updated', 'deleted'].includes(c))) throw badRequest(`Invalid changeType '${input.changeType}'.`);
    if (!endpointAllowed(input.notificationUrl)) throw badRequest('The notificationUrl must be an https URL.');
    if (input.lifecycleNotificationUrl && !endpointAllowed(input.lifecycleNotificationUrl)) throw badRequest('The lifecycleNotificationUrl must be an https URL.');
    if (input.clientState && input.clientState.length > 128) throw badRequest('clientState must be at most 128 characters.');
    if (input.includeResourceData) {
      if (!input.encryptionCertificate || !input.encryptionCertificateId) throw badRequest('encryptionCertificate and encryptionCertificateId are required when includeResourceData is true.');
      parseEncryptionCertificate(input.encryptionCertificate);
    }
    const expirationDateTime = effectiveExpiration(input.expirationDateTime, !!input.lifecycleNotificationUrl);
    const { store, notifier } = call.sandbox;
    purgeExpired(store.subscriptions);
    const admissible = (): void => {
      ensureNoDuplicate(call, watchKey(scope, watchedUserId), changeTypes, input.resource, input.changeType);
      enforceQuotas(call, scope, watchedUserId);
    };
    admissible();
    if (!(await notifier.validate(input.notificationUrl))) {
      throw badRequest('Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
    }
    if (input.lifecycleNotificationUrl && !(await notifier.validate(input.lifecycleNotificationUrl))) {
      throw badRequest('Subscription validation request failed. Lifecycle notification endpoint must respond with 200 OK to validation request.');
    }
    // Validation takes time: another creation may have taken the slot meanwhile.
    purgeExpired(store.subscriptions);
    admissible();
    const subscription: Subscription = {
      id: newGuid(),
      tenantId: call.principal.tenantId,
      clientId: call.principal.clientId,
      resource: input.resource,
      changeTypes,
      notificationUrl: input.notificationUrl,
      lifecycleNotificationUrl: input.lifecycleNotificationUrl ?? null,
      expirationDateTime,
      clientState: input.clientState ?? null,
      includeResourceData: input.includeResourceData ?? false,
      encryptionCertificate: input.encryptionCertificate ?? null,
      encryptionCertificateId: input.encryptionCertificateId ?? null,
      creatorUserId: call.principal.userId ?? null,
      pausedAfter: null,
      billing,
      watchedUserId,
    };
    store.subscriptions.set(subscription.id, subscription);
    return json(201, record(call, subscription));
  });

  router.add('GET', '/subscriptions', (_request, _params, call) => {
    purgeExpired(call.sandbox.store.subscriptions);
    const mine = [...call.sandbox.store.subscriptions.values()].filter((s) => s.tenantId === call.principal.tenantId && s.clientId === call.principal.clientId);
    return json(200, { value: mine.map((s) => record(call, s)) });
  });
  router.add('GET', '/subscriptions/{id}', (_request, params, call) => json(200, record(call, ownSubscription(call, params['id'] as string))));
  router.add('PATCH', '/subscriptions/{id}', (request, params, call) => {
    const subscription = ownSubscription(call, params['id'] as string);
    const parsed = z.object({ expirationDateTime: z.string() }).safeParse(objectBody(request.body));
    if (!parsed.success) throw badRequest('Only expirationDateTime can be updated.');
    authorize(call.principal, resourceRequirement(call, parseResource(subscription.resource).scope));
    subscription.expirationDateTime = effectiveExpiration(parsed.data.expirationDateTime, !!subscription.lifecycleNotificationUrl);
    // Renewing also reauthorizes.
    subscription.pausedAfter = null;
    return json(200, record(call, subscription));
  });
  router.add('POST', '/subscriptions/{id}/reauthorize', (_request, params, call) => {
    const subscription = ownSubscription(call, params['id'] as string);
    authorize(call.principal, resourceRequirement(call, parseResource(subscription.resource).scope));
    subscription.pausedAfter = null;
    return noContent();
  });
  router.add('DELETE', '/subscriptions/{id}', (_request, params, call) => {
    const subscription = ownSubscription(call, params['id'] as string);
    call.sandbox.store.subscriptions.delete(subscription.id);
    return noContent();
  });
}
