import type { Logger } from '@parley/observability';
import type { IdempotentConsumer, Outbox } from '@parley/persistence';
import { GraphRequestError, type GraphAccess } from '@parley/teams-connector-graph-access';
import { GuestProvisioner } from './guest-provisioner';
import { TeamMembershipAggregator } from './team-membership';

const command = {
  orgId: 'org_3f9a2c1b7d',
  syncId: '0b6f3a52-6d8e-4c61-9f0e-2a1f4b7c9d10',
  personId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  connectionId: '7c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e',
  guestUserId: 'a1b2c3d4-0000-4000-8000-000000000001',
};

/** GuestProvisioner with Graph answering PATCH /users/{id} as `patch` says, and the outbox recorded. */
function provisioner(patch: (path: string, body: unknown) => Promise<unknown>, processed = false) {
  const published: { topic: string; payload: unknown }[] = [];
  const calls: { path: string; body: unknown }[] = [];
  const graph = {
    forConnection: async () => ({
      app: (tenant: string) => {
        if (tenant !== 'customer') throw new Error('guests are disabled in the customer tenant');
        return { patch: async (path: string, body: unknown) => (calls.push({ path, body }), patch(path, body)) };
      },
    }),
  } as unknown as GraphAccess;
  const idempotent = {
    hasProcessed: async () => processed,
    run: async (_consumer: string, _id: string, effect: (m: unknown) => Promise<void>) => (await effect({}), 'applied'),
  } as unknown as IdempotentConsumer;
  const outbox = { enqueue: async (_m: unknown, topic: string, payload: unknown) => void published.push({ topic, payload }) } as unknown as Outbox;
  const logger = { info: () => undefined, warn: () => undefined } as unknown as Logger;
  return { guests: new GuestProvisioner(graph, idempotent, outbox, logger, new TeamMembershipAggregator()), published, calls };
}

describe('GuestProvisioner.disable', () => {
  it('sets accountEnabled false on the guest and publishes disabled', async () => {
    const { guests, published, calls } = provisioner(async () => undefined);
    await expect(guests.disable(command, 'event-1')).resolves.toBe('disabled');
    expect(calls).toEqual([{ path: `/users/${command.guestUserId}`, body: { accountEnabled: false } }]);
    expect(published).toEqual([
      { topic: 'parley.teams.guest.disabled.v1', payload: { orgId: command.orgId, syncId: command.syncId, personId: command.personId, guestUserId: command.guestUserId } },
    ]);
  });

  it('counts a guest that no longer exists as disabled', async () => {
    const { guests, published } = provisioner(async () => Promise.reject(new GraphRequestError(404, 'Request_ResourceNotFound', 'gone', 'PATCH /users/x')));
    await expect(guests.disable(command, 'event-1')).resolves.toBe('disabled');
    expect(published.map((p) => p.topic)).toEqual(['parley.teams.guest.disabled.v1']);
  });

  it('publishes a refusal as failed, not retryable, with the reason', async () => {
    const { guests, published } = provisioner(async () => Promise.reject(new GraphRequestError(403, 'Authorization_RequestDenied', 'Insufficient privileges', 'PATCH /users/x')));
    await expect(guests.disable(command, 'event-1')).resolves.toBe('failed');
    expect(published).toEqual([
      {
        topic: 'parley.teams.guest.failed.v1',
        payload: expect.objectContaining({ operation: 'disable', retryable: false, reason: expect.stringMatching(/403 Authorization_RequestDenied.*Insufficient privileges/) }),
      },
    ]);
  });

  it('throws transient trouble for the bus to retry, publishing nothing', async () => {
    const { guests, published } = provisioner(async () => Promise.reject(new GraphRequestError(503, 'ServiceUnavailable', 'down', 'PATCH /users/x')));
    await expect(guests.disable(command, 'event-1')).rejects.toMatchObject({ status: 503 });
    expect(published).toEqual([]);
  });

  it('does nothing for a command it already handled', async () => {
    const { guests, calls, published } = provisioner(async () => undefined, true);
    await expect(guests.disable(command, 'event-1')).resolves.toBe('duplicate');
    expect(calls).toEqual([]);
    expect(published).toEqual([]);
  });
});
