import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { CredentialKey, CredentialStore } from '@parley/identity-credential-vault';
import { teamsNotificationKeySet, type TeamsNotificationKeySet } from '@parley/internal-api';
import { inTransaction } from '@parley/persistence';
import { DATA_SOURCE } from '@parley/service-runtime';
import { CREDENTIALS } from '../config/identity-config';
import { badRequest } from '../http/problem';
import { ConnectionStore } from './connection-store';

const PURPOSE = 'teams.notification-keys';

/**
 * Parley's certificates for a Teams connection's encrypted change notifications (ADR 0028), kept as one credential of
 * the connection: the whole set (ids, certificates, private keys, which is active) sealed in the vault like every
 * other secret, so the vault's key rotation (rotateAll) covers it and a database copy shows no private key.
 * teams-connector makes and rotates the keys; identity only keeps them.
 */
@Injectable()
export class TeamsNotificationKeys {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CREDENTIALS) private readonly credentials: CredentialStore,
    @Inject(ConnectionStore) private readonly connections: ConnectionStore,
  ) {}

  async get(orgId: string, connectionId: string): Promise<TeamsNotificationKeySet> {
    await this.connections.teams(orgId, connectionId);
    const credential = await this.credentials.get(this.dataSource, key(orgId, connectionId));
    if (!credential) return { activeKeyId: null, keys: [] };
    return teamsNotificationKeySet.parse(JSON.parse(credential.plaintext.reveal()));
  }

  async put(orgId: string, connectionId: string, set: TeamsNotificationKeySet): Promise<void> {
    await this.connections.teams(orgId, connectionId);
    if (set.activeKeyId !== null && !set.keys.some((k) => k.id === set.activeKeyId)) throw badRequest('activeKeyId: names no key of the set', 'activeKeyId');
    if (new Set(set.keys.map((k) => k.id)).size !== set.keys.length) throw badRequest('keys: a key id is given twice', 'keys');
    await inTransaction(this.dataSource, (manager) => this.credentials.put(manager, { ...key(orgId, connectionId), plaintext: JSON.stringify(set) }));
  }
}

const key = (orgId: string, connectionId: string): CredentialKey => ({ orgId, ownerKind: 'connection', ownerId: connectionId, purpose: PURPOSE });
