import { z } from 'zod';
import { type Requirement, authorize } from '../auth/permissions';
import { type Call, type GraphRouter, objectBody } from '../http/call';
import { json, noContent } from '../http/exchange';
import { GraphError, badRequest } from '../http/graph-error';
import { parseEncryptionCertificate } from '../notifications/encryption';
import { newGuid } from '../state/ids';
import type { Subscription } from '../state/model';
import { accessibleChat } from './chats';

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

function resourceRequirement(call: Call, resource: string): Requirement {
  const path = resource.replace(/^\//, '');
  if (/^chats\/getAllMessages$/i.test(path)) return { application: ['Chat.Read.All', 'Chat.ReadWrite.All'] };
  if (/^teams\/getAllMessages$/i.test(path)) return { application: ['ChannelMessage.Read.All'] };
  const chat = /^chats(?:\/|\(')([^/']+)(?:'\))?\/messages$/.exec(path);
  if (chat) {
    accessibleChat(call, decodeURIComponent(chat[1] as string));
    return { delegated: ['Chat.Read', 'Chat.ReadWrite'], application: ['Chat.Read.All', 'Chat.ReadWrite.All'] };
  }
  if (/^teams(?:\/|\(')[^/']+(?:'\))?\/channels(?:\/|\(')[^/']+(?:'\))?\/messages$/.test(path)) {
    return { delegated: ['ChannelMessage.Read.All'], application: ['ChannelMessage.Read.All'] };
  }
  throw badRequest(`Resource '${resource}' is not supported by the sandbox for subscriptions (supported: /chats/getAllMessages, /teams/getAllMessages, /chats/{id}/messages, /teams/{id}/channels/{id}/messages).`);
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
    authorize(call.principal, resourceRequirement(call, input.resource));
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
    const resourceKey = input.resource.replace(/^\//, '').toLowerCase();
    for (const existing of store.subscriptions.values()) {
      if (existing.tenantId === call.principal.tenantId && existing.clientId === call.principal.clientId && existing.resource.replace(/^\//, '').toLowerCase() === resourceKey && existing.changeTypes.some((c) => changeTypes.includes(c))) {
        throw new GraphError(409, 'Conflict', `A subscription for resource '${input.resource}' and changeType '${input.changeType}' already exists for this application (id ${existing.id}).`);
      }
    }
    if (!(await notifier.validate(input.notificationUrl))) {
      throw badRequest('Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
    }
    if (input.lifecycleNotificationUrl && !(await notifier.validate(input.lifecycleNotificationUrl))) {
      throw badRequest('Subscription validation request failed. Lifecycle notification endpoint must respond with 200 OK to validation request.');
    }
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
    };
    store.subscriptions.set(subscription.id, subscription);
    return json(201, record(call, subscription));
  });

  router.add('GET', '/subscriptions', (_request, _params, call) => {
    const mine = [...call.sandbox.store.subscriptions.values()].filter((s) => s.tenantId === call.principal.tenantId && s.clientId === call.principal.clientId);
    return json(200, { value: mine.map((s) => record(call, s)) });
  });
  router.add('GET', '/subscriptions/{id}', (_request, params, call) => json(200, record(call, ownSubscription(call, params['id'] as string))));
  router.add('PATCH', '/subscriptions/{id}', (request, params, call) => {
    const subscription = ownSubscription(call, params['id'] as string);
    const parsed = z.object({ expirationDateTime: z.string() }).safeParse(objectBody(request.body));
    if (!parsed.success) throw badRequest('Only expirationDateTime can be updated.');
    authorize(call.principal, resourceRequirement(call, subscription.resource));
    subscription.expirationDateTime = effectiveExpiration(parsed.data.expirationDateTime, !!subscription.lifecycleNotificationUrl);
    // Renewing also reauthorizes.
    subscription.pausedAfter = null;
    return json(200, record(call, subscription));
  });
  router.add('POST', '/subscriptions/{id}/reauthorize', (_request, params, call) => {
    const subscription = ownSubscription(call, params['id'] as string);
    authorize(call.principal, resourceRequirement(call, subscription.resource));
    subscription.pausedAfter = null;
    return noContent();
  });
  router.add('DELETE', '/subscriptions/{id}', (_request, params, call) => {
    const subscription = ownSubscription(call, params['id'] as string);
    call.sandbox.store.subscriptions.delete(subscription.id);
    return noContent();
  });
}
