import { randomUUID } from 'node:crypto';
import { ContractViolation, type Payload, type PayloadIn, type TopicName } from '@parley/contracts';
import { currentTraceIds, inSpanForTests, recordSpansForTests } from '@parley/observability';
import type { MessageBus, MessageContext } from '../message-bus';

export interface BusFixture {
  /** Partitions (order lanes) per topic, and messages of different keys each one works at once. */
  readonly partitions: number;
  readonly keyConcurrency: number;
  /** A bus for one service; all buses of one fixture share a broker (and topics). */
  bus(service: string, options?: { maxAttempts?: number; transientForMs?: number }): MessageBus;
  /** Puts bytes on a topic without validation, the way a buggy or hostile producer would. */
  injectRaw(topic: TopicName, key: string, value: string): Promise<void>;
  deadLetters(): Promise<Payload<'parley.messaging.message.dead-lettered.v1'>[]>;
  close(): Promise<void>;
}

type Observed = { topic: string; email: string; ctx: MessageContext };

const ORG = 'org_contracttest1';

export function observed(email: string, extra: Partial<PayloadIn<'parley.directory.user.observed.v1'>> = {}): PayloadIn<'parley.directory.user.observed.v1'> {
  return {
    orgId: ORG,
    platform: 'slack',
    platformUserId: `U${email.length}`,
    email,
    displayName: email,
    isBot: false,
    isDeactivated: false,
    observedAt: new Date().toISOString(),
    ...extra,
  };
}

interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * One behavioural suite for every MessageBus adapter: the Kafka one runs it against a real broker, the in-process
 * one in memory. An adapter passes only if it validates both ways, keeps per-key order, retries, dead-letters and
 * keeps flowing after poison.
 */
export function describeBusContract(name: string, createFixture: () => Promise<BusFixture>): void {
  describe(`MessageBus contract: ${name}`, () => {
    let fixture: BusFixture;
    const buses: MessageBus[] = [];
    const bus = (service: string, options?: { maxAttempts?: number; transientForMs?: number }) => {
      const created = fixture.bus(service, options);
      buses.push(created);
      return created;
    };

    beforeEach(async () => {
      fixture = await createFixture();
    });
    afterEach(async () => {
      await Promise.allSettled(buses.splice(0).map((b) => b.stop()));
      await fixture.close();
    });

    it('delivers a validated, normalised payload with the standard headers', async () => {
      const seen: Observed[] = [];
      const consumer = bus('identity');
      consumer.subscribe('parley.directory.user.observed.v1', async (p, ctx) => void seen.push({ topic: ctx.topic, email: p.email, ctx }), { group: 'identity' });
      await consumer.start();
      const producer = bus('slack-connector');
      await producer.start();
      await producer.publish('parley.directory.user.observed.v1', observed('  Ada@Example.com'), { correlationId: 'corr-1' });
      await eventually(() => seen.length === 1, 30_000, 'delivery');
      const [first] = seen;
      expect(first?.email).toBe('ada@example.com');
      expect(first?.ctx.correlationId).toBe('corr-1');
      expect(first?.ctx.orgId).toBe(ORG);
      expect(first?.ctx.key).toBe(`${ORG}:ada@example.com`);
      expect(first?.ctx.producer).toBe('slack-connector');
      // Event metadata is in the envelope; no per-record Kafka headers are spent on it.
      expect(first?.ctx.headers).toEqual({});
      expect(first?.ctx.eventId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('refuses to publish an invalid payload and sends nothing', async () => {
      const seen: string[] = [];
      const consumer = bus('identity');
      consumer.subscribe('parley.directory.user.observed.v1', async (p) => void seen.push(p.email), { group: 'identity' });
      await consumer.start();
      const producer = bus('slack-connector');
      await producer.start();
      await expect(producer.publish('parley.directory.user.observed.v1', observed('not-an-email'))).rejects.toBeInstanceOf(ContractViolation);
      await producer.publish('parley.directory.user.observed.v1', observed('marker@example.com'));
      await eventually(() => seen.length === 1, 30_000, 'marker');
      expect(seen).toEqual(['marker@example.com']);
    });

    it('keeps order per key while spreading keys', async () => {
      const seen = new Map<string, number[]>();
      const consumer = bus('identity');
      consumer.subscribe(
        'parley.directory.user.observed.v1',
        async (p) => {
          const list = seen.get(p.email) ?? [];
          list.push(Number(p.displayName));
          seen.set(p.email, list);
        },
        { group: 'identity' },
      );
      await consumer.start();
      const producer = bus('slack-connector');
      await producer.start();
      const emails = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'];
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 40; i++) {
        for (const email of emails) sends.push(producer.publish('parley.directory.user.observed.v1', observed(email, { displayName: String(i) })));
      }
      await Promise.all(sends);
      await eventually(() => emails.every((e) => seen.get(e)?.length === 40), 30_000, 'all 160 messages');
      for (const email of emails) expect(seen.get(email)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    });

    it('works other keys while one key is slow, and keeps every key in order', async () => {
      const seen = new Map<string, number[]>();
      const slow = gate();
      const consumer = bus('identity');
      consumer.subscribe(
        'parley.directory.user.observed.v1',
        async (p) => {
          if (p.email === 'slow@example.com' && p.displayName === '0') await slow.opened;
          // Uneven handling times, so completion order differs from arrival order.
          else await pause(Math.floor(Math.random() * 8));
          const list = seen.get(p.email) ?? [];
          list.push(Number(p.displayName));
          seen.set(p.email, list);
        },
        { group: 'identity' },
      );
      const producer = bus('slack-connector');
      await producer.start();
      // 24 other keys over a few partitions: several share the slow key's partition. Published before the consumer
      // starts, so one fetch brings them all (kafkajs fetches again only once every batch of a fetch is done).
      const others = Array.from({ length: 24 }, (_, i) => `k${i}@example.com`);
      const entries: Parameters<MessageBus['publishAll']>[0][number][] = [];
      for (let i = 0; i < 5; i++) {
        entries.push({ topic: 'parley.directory.user.observed.v1', payload: observed('slow@example.com', { displayName: String(i) }) });
        for (const email of others) entries.push({ topic: 'parley.directory.user.observed.v1', payload: observed(email, { displayName: String(i) }) });
      }
      await producer.publishAll(entries);
      await consumer.start();
      try {
        // Everything but the slow key is handled while its first message still runs...
        await eventually(() => others.every((e) => seen.get(e)?.length === 5), 30_000, 'every other key, past the slow one');
        expect(seen.get('slow@example.com')).toBeUndefined();
      } finally {
        slow.open();
      }
      // ...and the slow key's later messages waited for it.
      await eventually(() => seen.get('slow@example.com')?.length === 5, 30_000, 'the slow key');
      for (const email of [...others, 'slow@example.com']) expect(seen.get(email)).toEqual([0, 1, 2, 3, 4]);
    });

    it('keeps the other partitions flowing while one is held by a slow message, and its key in order', async () => {
      const handled: { email: string; n: number; partition: number }[] = [];
      let slowPartition: number | undefined;
      const slow = gate();
      const consumer = bus('identity');
      consumer.subscribe(
        'parley.directory.user.observed.v1',
        async (p, ctx) => {
          if (p.email === 'held@example.com' && p.displayName === '0') {
            slowPartition = ctx.partition;
            await slow.opened;
          }
          handled.push({ email: p.email, n: Number(p.displayName), partition: ctx.partition });
        },
        { group: 'identity' },
      );
      const producer = bus('slack-connector');
      await producer.start();
      await consumer.start();
      await producer.publish('parley.directory.user.observed.v1', observed('held@example.com', { displayName: '0' }));
      await eventually(() => slowPartition !== undefined, 30_000, 'the slow message to start');
      // Published while it runs, so they come in later fetches than it: a fetch loop waiting for its batch holds them all.
      const others = Array.from({ length: 24 }, (_, i) => `later${i}@example.com`);
      await producer.publishAll(others.map((email) => ({ topic: 'parley.directory.user.observed.v1' as const, payload: observed(email, { displayName: '1' }) })));
      await producer.publish('parley.directory.user.observed.v1', observed('held@example.com', { displayName: '1' }));
      try {
        await eventually(() => handled.some((h) => h.partition !== slowPartition), 15_000, 'a message of another partition');
        await pause(500);
        // Other partitions' later messages are handled; the slow key's own later message did not overtake it.
        expect(handled.filter((h) => h.partition !== slowPartition).length).toBeGreaterThan(0);
        expect(handled.filter((h) => h.email === 'held@example.com')).toEqual([]);
      } finally {
        slow.open();
      }
      await eventually(() => handled.length === others.length + 2, 30_000, 'every message');
      expect(handled.filter((h) => h.email === 'held@example.com').map((h) => h.n)).toEqual([0, 1]);
    });

    it('bounds the messages in flight per partition', async () => {
      let inFlight = 0;
      let most = 0;
      const release = gate();
      const consumer = bus('identity');
      consumer.subscribe(
        'parley.directory.user.observed.v1',
        async () => {
          most = Math.max(most, ++inFlight);
          await release.opened;
          inFlight--;
        },
        { group: 'identity' },
      );
      const producer = bus('slack-connector');
      await producer.start();
      const keys = Array.from({ length: 60 }, (_, i) => `bound${i}@example.com`);
      await producer.publishAll(keys.map((email) => ({ topic: 'parley.directory.user.observed.v1' as const, payload: observed(email) })));
      await consumer.start();
      const bound = fixture.partitions * fixture.keyConcurrency;
      try {
        // More than one per partition runs at once, and never more than the bound, however long they take.
        await eventually(() => inFlight > fixture.partitions, 30_000, 'several messages of one partition in flight');
        await pause(500);
        expect(most).toBeLessThanOrEqual(bound);
      } finally {
        release.open();
      }
    });

    it('after a consumer dies mid-batch, its successor gets every message not finished, none skipped', async () => {
      const first: string[] = [];
      const stuck = gate();
      let stuckStarted = false;
      const dying = bus('identity', { maxAttempts: 3 });
      dying.subscribe(
        'parley.directory.user.observed.v1',
        async (p) => {
          if (p.email === 'stuck@example.com') {
            stuckStarted = true;
            await stuck.opened;
            throw new Error('the process died here');
          }
          first.push(`${p.email}#${p.displayName}`);
        },
        { group: 'identity' },
      );
      const producer = bus('slack-connector');
      await producer.start();
      const others = Array.from({ length: 24 }, (_, i) => `n${i}@example.com`);
      const all: string[] = [];
      const entries: Parameters<MessageBus['publishAll']>[0][number][] = [];
      for (let i = 0; i < 3; i++) {
        for (const email of ['stuck@example.com', ...others]) {
          entries.push({ topic: 'parley.directory.user.observed.v1', payload: observed(email, { displayName: String(i) }) });
          all.push(`${email}#${i}`);
        }
      }
      await producer.publishAll(entries);
      await dying.start();
      // Later offsets of the stuck key's partition finish while an earlier one does not.
      await eventually(() => stuckStarted && others.every((e) => first.includes(`${e}#2`)), 30_000, 'the other keys, past the stuck one').catch((error: unknown) => {
        stuck.open();
        throw error;
      });
      // It dies: nothing in flight gets to finish (the failed attempt's retry is cut short by the stop).
      const stopped = dying.stop();
      stuck.open();
      await stopped;

      const second: string[] = [];
      const successor = bus('identity');
      successor.subscribe('parley.directory.user.observed.v1', async (p) => void second.push(`${p.email}#${p.displayName}`), { group: 'identity' });
      await successor.start();
      await eventually(() => ['0', '1', '2'].every((i) => second.includes(`stuck@example.com#${i}`)), 60_000, 'the stuck key on the successor');
      // Nothing lost: every message was handled by one of the two (replays of finished ones are allowed).
      await eventually(() => all.every((m) => first.includes(m) || second.includes(m)), 30_000, 'every message');
      expect(second.filter((m) => m.startsWith('stuck@'))).toEqual(['stuck@example.com#0', 'stuck@example.com#1', 'stuck@example.com#2']);
    });

    it('retries a failing handler in place and handles the message once it succeeds', async () => {
      const attempts: number[] = [];
      const consumer = bus('identity', { maxAttempts: 4 });
      consumer.subscribe(
        'parley.directory.user.observed.v1',
        async (_p, ctx) => {
          attempts.push(ctx.attempt);
          if (ctx.attempt < 3) throw new Error('database briefly unavailable');
        },
        { group: 'identity' },
      );
      await consumer.start();
      const producer = bus('slack-connector');
      await producer.start();
      await producer.publish('parley.directory.user.observed.v1', observed('retry@example.com'));
      await eventually(() => attempts.length === 3, 30_000, 'three attempts');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(attempts).toEqual([1, 2, 3]);
      expect(await fixture.deadLetters()).toEqual([]);
    });

    it('dead-letters a message whose handler keeps failing, with the reason, and keeps the key flowing', async () => {
      const handled: string[] = [];
      const consumer = bus('identity', { maxAttempts: 2 });
      consumer.subscribe(
        'parley.directory.user.observed.v1',
        async (p) => {
          if (p.displayName === 'poison') throw new Error('cannot map this person');
          handled.push(p.displayName);
        },
        { group: 'identity' },
      );
      await consumer.start();
      const producer = bus('slack-connector');
      await producer.start();
      await producer.publish('parley.directory.user.observed.v1', observed('same@example.com', { displayName: 'poison' }), { correlationId: 'corr-poison' });
      await producer.publish('parley.directory.user.observed.v1', observed('same@example.com', { displayName: 'after' }));
      await eventually(() => handled.includes('after'), 30_000, 'the next message on the same key');
      let letters: Awaited<ReturnType<BusFixture['deadLetters']>> = [];
      await eventually(async () => (letters = await fixture.deadLetters()).length === 1, 30_000, 'one dead letter');
      expect(letters[0]).toMatchObject({
        originalTopic: 'parley.directory.user.observed.v1',
        failure: 'handler-failed',
        attempts: 2,
        consumerGroup: 'identity',
        key: `${ORG}:same@example.com`,
      });
      expect(letters[0]?.reason).toContain('cannot map this person');
      const original = JSON.parse(letters[0]?.value ?? '{}');
      expect(original.correlationid).toBe('corr-poison');
      expect(original.data.displayName).toBe('poison');
    });

    it('keeps retrying past its attempts a message whose handler fails because a peer is down, until the peer is back', async () => {
      let attempts = 0;
      const handled: string[] = [];
      const consumer = bus('identity', { maxAttempts: 2, transientForMs: 60_000 });
      consumer.subscribe(
        'parley.directory.user.observed.v1',
        async (p) => {
          // A peer restarting: refused for the first five attempts, as undici says it (the code on the cause).
          if (p.displayName === 'while-down' && ++attempts <= 5) throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3004'), { code: 'ECONNREFUSED' }) });
          handled.push(p.displayName);
        },
        { group: 'identity' },
      );
      await consumer.start();
      const producer = bus('slack-connector');
      await producer.start();
      await producer.publish('parley.directory.user.observed.v1', observed('peer@example.com', { displayName: 'while-down' }));
      await producer.publish('parley.directory.user.observed.v1', observed('peer@example.com', { displayName: 'after' }));
      await eventually(() => handled.length === 2, 30_000, 'both messages, in order');
      expect(handled).toEqual(['while-down', 'after']);
      expect(attempts).toBe(6);
      expect(await fixture.deadLetters()).toEqual([]);
    });

    it('dead-letters a transient failure that outlasts its window, with every attempt counted', async () => {
      const consumer = bus('identity', { maxAttempts: 2, transientForMs: 300 });
      consumer.subscribe(
        'parley.directory.user.observed.v1',
        async () => {
          throw Object.assign(new Error('identity answered 503: restarting'), { status: 503 });
        },
        { group: 'identity' },
      );
      await consumer.start();
      const producer = bus('slack-connector');
      await producer.start();
      await producer.publish('parley.directory.user.observed.v1', observed('gone@example.com'));
      let letters: Awaited<ReturnType<BusFixture['deadLetters']>> = [];
      await eventually(async () => (letters = await fixture.deadLetters()).length === 1, 30_000, 'the dead letter');
      expect(letters[0]?.attempts).toBeGreaterThan(2);
      expect(letters[0]?.reason).toContain('503');
    });

    it('dead-letters malformed bytes at once, naming the bad field, without blocking the partition', async () => {
      const handled: string[] = [];
      const consumer = bus('identity', { maxAttempts: 5 });
      consumer.subscribe('parley.directory.user.observed.v1', async (p) => void handled.push(p.email), { group: 'identity' });
      await consumer.start();
      const key = `${ORG}:victim@example.com`;
      // A well-formed envelope around a payload with a wrong field, then bytes that are not even JSON.
      const envelope = { specversion: '1.0', id: randomUUID(), source: 'rogue', type: 'parley.directory.user.observed.v1', time: new Date().toISOString() };
      await fixture.injectRaw('parley.directory.user.observed.v1', key, JSON.stringify({ ...envelope, data: { ...observed('victim@example.com'), orgId: 42 } }));
      await fixture.injectRaw('parley.directory.user.observed.v1', key, '{"truncated":');
      const producer = bus('slack-connector');
      await producer.start();
      await producer.publish('parley.directory.user.observed.v1', observed('victim@example.com'));
      await eventually(() => handled.length === 1, 30_000, 'the valid message behind two poison ones');
      let letters: Awaited<ReturnType<BusFixture['deadLetters']>> = [];
      await eventually(async () => (letters = await fixture.deadLetters()).length === 2, 30_000, 'two dead letters');
      expect(letters.map((l) => l.failure)).toEqual(['invalid-payload', 'invalid-payload']);
      expect(letters.every((l) => l.attempts === 1)).toBe(true);
      expect(letters[0]?.reason).toContain('orgId');
      expect(letters[1]?.reason).toContain('not JSON');
      expect(letters[1]?.value).toBe('{"truncated":');
    });

    it('republishes a dead letter as it was: same event id, key and headers, and bytes that are not text unchanged', async () => {
      const handled: { name: string; ctx: MessageContext }[] = [];
      let failing = true;
      const consumer = bus('identity', { maxAttempts: 1 });
      consumer.subscribe(
        'parley.directory.user.observed.v1',
        async (p, ctx) => {
          if (failing) throw new Error('a bug, fixed later');
          handled.push({ name: p.displayName, ctx });
        },
        { group: 'identity' },
      );
      await consumer.start();
      const producer = bus('slack-connector');
      await producer.start();
      await producer.publish('parley.directory.user.observed.v1', observed('again@example.com', { displayName: 'again' }), { headers: { traceparent: '00-abc-def-01' } });
      let letters: Awaited<ReturnType<BusFixture['deadLetters']>> = [];
      await eventually(async () => (letters = await fixture.deadLetters()).length === 1, 30_000, 'the dead letter');
      const letter = letters[0] as (typeof letters)[number];
      failing = false;
      const operator = bus('gateway');
      await operator.start();
      await operator.republish({ topic: 'parley.directory.user.observed.v1', key: letter.key, value: Buffer.from(letter.value ?? '', 'utf8'), headers: letter.headers });
      await eventually(() => handled.length === 1, 30_000, 'the retried message');
      expect(handled[0]?.name).toBe('again');
      expect(handled[0]?.ctx).toMatchObject({ key: letter.key, eventId: JSON.parse(letter.value ?? '{}').id, producer: 'slack-connector' });
      expect(handled[0]?.ctx.headers).toEqual(letter.headers);

      // Bytes that are not UTF-8 (dead-lettered as base64) travel unchanged, without a key.
      const binary = Buffer.from([0xff, 0xfe, 0x00, 0x01]);
      await operator.republish({ topic: 'parley.directory.user.observed.v1', key: null, value: binary, headers: {} });
      await eventually(async () => (letters = await fixture.deadLetters()).length === 2, 30_000, 'the binary dead letter');
      expect(letters[1]).toMatchObject({ valueEncoding: 'base64', value: binary.toString('base64'), failure: 'invalid-payload' });
    });

    it('gives every consumer group its own copy', async () => {
      const identity: string[] = [];
      const provisioning: string[] = [];
      const a = bus('identity');
      a.subscribe('parley.teams.guest.created.v1', async (p) => void identity.push(p.personId), { group: 'identity' });
      const b = bus('provisioning');
      b.subscribe('parley.teams.guest.created.v1', async (p) => void provisioning.push(p.personId), { group: 'provisioning' });
      await Promise.all([a.start(), b.start()]);
      const producer = bus('teams-connector');
      await producer.start();
      const personId = randomUUID();
      await producer.publish('parley.teams.guest.created.v1', {
        orgId: ORG,
        syncId: randomUUID(),
        personId,
        guestUserId: 'g-1',
        userPrincipalName: 'x_example.com#EXT#@contoso.onmicrosoft.com',
        homeUserPrincipalName: 'x@home.onmicrosoft.com',
        teamIds: ['team-1'],
        reused: false,
        signIn: { status: 'ok' },
      });
      await eventually(() => identity.length === 1 && provisioning.length === 1, 30_000, 'both groups');
      expect(identity).toEqual([personId]);
      expect(provisioning).toEqual([personId]);
    });

    it('carries the correlation id from a handled message into what its handler publishes', async () => {
      const correlations: string[] = [];
      const relay = bus('provisioning');
      relay.subscribe(
        'parley.provisioning.sync.requested.v1',
        async (p) => {
          await relay.publish('parley.slack.directory.import.requested.v1', { orgId: p.orgId, syncId: p.syncId, connectionId: randomUUID(), incremental: false });
        },
        { group: 'provisioning' },
      );
      const connector = bus('slack-connector');
      connector.subscribe('parley.slack.directory.import.requested.v1', async (_p, ctx) => void correlations.push(ctx.correlationId), { group: 'slack-connector' });
      await Promise.all([relay.start(), connector.start()]);
      const gateway = bus('gateway');
      await gateway.start();
      await gateway.publish(
        'parley.provisioning.sync.requested.v1',
        { orgId: ORG, syncId: randomUUID(), mode: 'guest', requestedBy: 'key_1', requestedAt: new Date().toISOString() },
        { correlationId: 'req-123' },
      );
      await eventually(() => correlations.length === 1, 30_000, 'the downstream command');
      expect(correlations).toEqual(['req-123']);
    });

    it('continues the publisher\'s trace across every hop: send spans, then process spans as children linked to them', async () => {
      const recorder = recordSpansForTests();
      try {
        const seen: { traceId?: string; traceparent?: string }[] = [];
        const relay = bus('provisioning');
        relay.subscribe(
          'parley.provisioning.sync.requested.v1',
          async (p) => {
            await relay.publish('parley.slack.directory.import.requested.v1', { orgId: p.orgId, syncId: p.syncId, connectionId: randomUUID(), incremental: false });
          },
          { group: 'provisioning' },
        );
        const connector = bus('slack-connector');
        connector.subscribe(
          'parley.slack.directory.import.requested.v1',
          async (_p, ctx) => void seen.push({ traceId: currentTraceIds()?.trace_id, traceparent: ctx.headers['traceparent'] }),
          { group: 'slack-connector' },
        );
        await Promise.all([relay.start(), connector.start()]);
        const gateway = bus('gateway');
        await gateway.start();
        const request = await inSpanForTests('POST /user-syncs', async (ids) => {
          await gateway.publish('parley.provisioning.sync.requested.v1', { orgId: ORG, syncId: randomUUID(), mode: 'guest', requestedBy: 'key_1', requestedAt: new Date().toISOString() });
          return ids;
        });
        await eventually(() => seen.length === 1, 30_000, 'the downstream command');
        expect(seen[0]?.traceId).toBe(request.traceId);
        await eventually(() => recorder.spans().filter((s) => s.name.startsWith('process ')).length === 2, 10_000, 'both process spans');
        const spans = recorder.spans().filter((s) => s.traceId === request.traceId);
        const byId = new Map(spans.map((s) => [s.spanId, s]));
        const firstSend = spans.find((s) => s.name === 'send parley.provisioning.sync.requested.v1');
        expect(firstSend?.parentSpanId).toBe(request.spanId);
        for (const process of spans.filter((s) => s.name.startsWith('process '))) {
          const parent = byId.get(process.parentSpanId ?? '');
          expect(parent?.name).toBe(process.name.replace('process ', 'send '));
          expect(process.links).toEqual([{ traceId: request.traceId, spanId: parent?.spanId }]);
        }
        expect(seen[0]?.traceparent).toContain(request.traceId);
      } finally {
        await recorder.stop();
      }
    });

    it('reports consumer lag per group, topic and partition: what the group has not finished, then 0', async () => {
      const consumer = bus('identity');
      let release!: () => void;
      const blocked = new Promise<void>((resolve) => (release = resolve));
      consumer.subscribe('parley.directory.user.observed.v1', () => blocked, { group: 'identity' });
      await consumer.start();
      const producer = bus('slack-connector');
      await producer.start();
      await producer.publishAll(['a', 'b', 'c', 'd'].map((n) => ({ topic: 'parley.directory.user.observed.v1' as const, payload: observed(`${n}@lag.example`) })));
      const total = async () => ((await consumer.consumerLag?.()) ?? []).reduce((sum, l) => sum + l.lag, 0);
      await eventually(async () => (await total()) === 4, 30_000, 'a lag of 4');
      const lag = (await consumer.consumerLag?.()) ?? [];
      expect(new Set(lag.map((l) => `${l.group} ${l.topic}`))).toEqual(new Set(['identity parley.directory.user.observed.v1']));
      expect(lag.every((l) => l.partition >= 0 && l.partition < fixture.partitions)).toBe(true);
      release();
      await eventually(async () => (await total()) === 0, 30_000, 'the lag to drain');
    });

    it('lets an in-flight handler finish before stop() returns', async () => {
      let finished = false;
      let startedHandling = false;
      const consumer = bus('identity');
      consumer.subscribe(
        'parley.directory.user.observed.v1',
        async () => {
          startedHandling = true;
          await new Promise((resolve) => setTimeout(resolve, 500));
          finished = true;
        },
        { group: 'identity' },
      );
      await consumer.start();
      const producer = bus('slack-connector');
      await producer.start();
      await producer.publish('parley.directory.user.observed.v1', observed('slow@example.com'));
      await eventually(() => startedHandling, 30_000, 'handler start');
      await consumer.stop();
      expect(finished).toBe(true);
    });
  });
}
