import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Secret } from '@parley/config';
import type { CredentialStore } from '@parley/identity-credential-vault';
import type { z } from 'zod';
import type { guestPasswordRequest } from '@parley/internal-api';
import { inTransaction } from '@parley/persistence';
import { DATA_SOURCE, notFound } from '@parley/service-runtime';
import { CREDENTIALS } from '../config/identity-config';
import { ConnectionStore } from '../connections/connection-store';
import { badRequest } from '../http/problem';
import { PeopleStore } from '../people/people-store';
import { readGuestCredential, writeGuestCredential } from '../tokens/guest-credential';
import { generateGuestPassword } from './guest-password';

/**
 * The password of the home account behind a person's guest: made once, sealed with the home UPN, and the same on
 * every later call, so a replayed guest creation finds an account whose password Parley still knows. The person row
 * is locked while deciding, so two concurrent first calls cannot hand out two passwords.
 */
@Injectable()
export class GuestPasswords {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CREDENTIALS) private readonly credentials: CredentialStore,
    @Inject(ConnectionStore) private readonly connections: ConnectionStore,
    @Inject(PeopleStore) private readonly people: PeopleStore,
  ) {}

  async passwordFor(orgId: string, personId: string, request: z.output<typeof guestPasswordRequest>): Promise<{ password: string }> {
    const connection = await this.connections.teams(orgId, request.connectionId);
    const upn = request.homeUserPrincipalName.trim();
    const domain = connection.settings.homeTenantDomain.toLowerCase();
    if (!upn.toLowerCase().endsWith(`@${domain}`) || upn.indexOf('@') !== upn.lastIndexOf('@')) {
      throw badRequest(`homeUserPrincipalName: must be an account of the home tenant's domain ${domain}.`, 'homeUserPrincipalName');
    }
    return inTransaction(this.dataSource, async (manager) => {
      if (!(await this.people.find(manager, orgId, personId, true))) throw notFound('person');
      const existing = await readGuestCredential(this.credentials, manager, orgId, personId);
      if (existing) {
        // The UPN is derived from the email; if the home domain changed, the same password goes with the new UPN.
        if (existing.userPrincipalName.toLowerCase() !== upn.toLowerCase()) {
          await writeGuestCredential(this.credentials, manager, orgId, personId, { userPrincipalName: upn, password: existing.password });
        }
        return { password: existing.password.reveal() };
      }
      const password = new Secret(generateGuestPassword());
      await writeGuestCredential(this.credentials, manager, orgId, personId, { userPrincipalName: upn, password });
      return { password: password.reveal() };
    });
  }
}
