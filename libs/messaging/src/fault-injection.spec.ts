import { FaultInjector } from './fault-injection';

describe('FaultInjector fail-handler', () => {
  const topic = 'parley.slack.mirror.create.requested.v1';

  it('fails the handling of matching messages of the named topic only', () => {
    const faults = FaultInjector.fromEnvironment({ PARLEY_FAULT_INJECTION: `fail-handler:${topic}:ada@example.com` });
    expect(() => faults.failHandler(topic, Buffer.from('{"data":{"email":"ada@example.com"}}'))).toThrow(/injected fault/);
    expect(() => faults.failHandler(topic, '{"data":{"email":"grace@example.com"}}')).not.toThrow();
    expect(() => faults.failHandler('parley.teams.guest.create.requested.v1', '{"data":{"email":"ada@example.com"}}')).not.toThrow();
  });

  it('without a match fails every message of the topic; unset, none', () => {
    expect(() => FaultInjector.fromEnvironment({ PARLEY_FAULT_INJECTION: `fail-handler:${topic}` }).failHandler(topic, null)).toThrow(/injected fault/);
    expect(() => FaultInjector.fromEnvironment({}).failHandler(topic, 'anything')).not.toThrow();
    expect(() => FaultInjector.none().failHandler(topic, 'anything')).not.toThrow();
  });
});
