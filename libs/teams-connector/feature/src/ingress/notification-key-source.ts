import { randomBytes } from 'node:crypto';
import { Secret } from '@parley/config';
import { internalRoutes, type TeamsNotificationKeySet } from '@parley/internal-api';
import type { Logger } from '@parley/observability';
import type { InternalApiAccess } from '@parley/service-runtime';
import { createNotificationCertificate } from './notification-certificate';
import { DecryptionError, NotificationKeyring, type EncryptedContent } from './notification-keys';

/** How long a connection's keys read from identity are reused before they are read again. */
const KEYS_CACHE_MS = 5 * 60_000;

/**
 * Parley's notification certificates per Teams connection, kept by identity in the credential vault (ADR 0028).
 * Decryption reads them from identity (cached briefly; read again when a notification names a certificate not
 * known here, which another replica may just have made). The replica holding the subscription lease makes the first
 * key of a connection, rotates it when it is older than the configured age, and drops keys no subscription names any
 * more; so a new key is used for new and recreated subscriptions while the old one still decrypts what the
 * subscriptions made with it send, until they are gone.
 */
export class NotificationKeySource {
  private readonly rings = new Map<string, { ring: NotificationKeyring; until: number }>();

  constructor(
    private readonly internalApi: InternalApiAccess,
    /** A key older than this is replaced by a new one (the old one stays while a subscription names it). */
    private readonly maxKeyAgeMs: number,
    private readonly logger: Logger,
  ) {}

  /** Decrypts a notification item's resource data with the connection's key it names. */
  async decrypt(orgId: string, connectionId: string, content: EncryptedContent): Promise<unknown> {
    const ring = await this.ring(orgId, connectionId, false);
    if (ring.has(content.encryptionCertificateId)) return ring.decrypt(content);
    const fresh = await this.ring(orgId, connectionId, true);
    if (!fresh.has(content.encryptionCertificateId)) throw new DecryptionError('unknown-certificate');
    return fresh.decrypt(content);
  }

  /**
   * The certificate new subscriptions of the connection carry: made when there is none, replaced when it is too old.
   * Keys that are neither active nor named by one of `inUse` (the connection's subscriptions, current or retired) are
   * dropped. The set is written back to identity only when it changed.
   */
  async active(orgId: string, connectionId: string, inUse: ReadonlySet<string>, now = Date.now()): Promise<{ id: string; certificate: string }> {
    const params = { orgId, connectionId };
    const set = await this.internalApi.send(internalRoutes.identity.teamsNotificationKeys, { params });
    const current = set.keys.find((k) => k.id === set.activeKeyId);
    let next: TeamsNotificationKeySet = set;
    let why: string | null = null;
    if (!current) why = 'none yet';
    else if (now - Date.parse(current.createdAt) >= this.maxKeyAgeMs) why = 'the active one is due for rotation';
    if (why) {
      const id = `parley-${new Date(now).toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(4).toString('hex')}`;
      const made = createNotificationCertificate(id);
      next = { activeKeyId: id, keys: [...set.keys, { id, certificate: made.certificate, privateKey: made.privateKey.reveal(), createdAt: new Date(now).toISOString() }] };
    }
    const kept = next.keys.filter((k) => k.id === next.activeKeyId || inUse.has(k.id));
    if (kept.length !== next.keys.length) next = { ...next, keys: kept };
    if (next !== set) {
      await this.internalApi.send(internalRoutes.identity.putTeamsNotificationKeys, { params, body: next });
      this.rings.delete(connectionId);
      this.logger.info(
        { connectionId, activeKeyId: next.activeKeyId, previous: set.activeKeyId, keys: next.keys.map((k) => k.id), why: why ?? 'keys no subscription uses dropped' },
        'Teams notification keys changed',
      );
    }
    const active = next.keys.find((k) => k.id === next.activeKeyId) as TeamsNotificationKeySet['keys'][number];
    return { id: active.id, certificate: active.certificate };
  }

  private async ring(orgId: string, connectionId: string, fresh: boolean): Promise<NotificationKeyring> {
    const cached = this.rings.get(connectionId);
    if (!fresh && cached && cached.until > Date.now()) return cached.ring;
    const set = await this.internalApi.send(internalRoutes.identity.teamsNotificationKeys, { params: { orgId, connectionId } });
    const ring = new NotificationKeyring(
      set.keys.map((k) => ({ id: k.id, certificate: k.certificate, privateKey: new Secret(k.privateKey) })),
      set.activeKeyId,
    );
    this.rings.set(connectionId, { ring, until: Date.now() + KEYS_CACHE_MS });
    return ring;
  }
}
