import { encodeMessage, type PayloadIn } from './index';

// These lines are checked by `npm run typecheck`: each @ts-expect-error must stay an error, or tsc fails.
// At run time the validator refuses the same payloads, so both layers are proven.
describe('the topic -> payload map', () => {
  it('refuses a payload of another topic, at compile time and at run time', () => {
    const guest: PayloadIn<'parley.teams.guest.failed.v1'> = {
      orgId: 'org_3f9a2c1b7d',
      syncId: '0b6f3a52-6d8e-4c61-9f0e-2a1f4b7c9d10',
      personId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
      operation: 'create',
      reason: 'blocked',
      retryable: false,
    };
    const meta = { id: 'evt-1', source: 'test', time: '2026-11-27T10:00:00.000Z' };
    // @ts-expect-error a guest failure is not a sync request
    expect(() => encodeMessage('parley.provisioning.sync.requested.v1', guest, meta)).toThrow(/mode/);
    // @ts-expect-error unknown topics do not compile
    expect(() => encodeMessage('parley.nothing.here.requested.v1', guest, meta)).toThrow(/unknown topic/);
  });
});
