import { Writable } from 'node:stream';
import { Secret } from '@parley/config';
import { duplicateJsonKeys } from '@parley/testing';
import { createLogger, resolveLogFormat, withLogContext, type LogFormat } from './index';

function capture(service = 'identity', format: LogFormat = 'json') {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        raw.push(line);
        if (format === 'json') lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return { lines, raw, logger: createLogger({ service, level: 'debug', format, destination }) };
}

describe('createLogger', () => {
  it('writes JSON lines carrying the per-message context through awaits', async () => {
    const { lines, logger } = capture();
    await withLogContext({ correlationId: 'c-1', orgId: 'org_1', topic: 't' }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      logger.info('handled');
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({ msg: 'handled', service: 'identity', level: 'info', correlationId: 'c-1', orgId: 'org_1', topic: 't' });
    expect(lines[1]).not.toHaveProperty('correlationId');
  });

  it('never prints a secret, whether wrapped in Secret or under a secret-looking key', () => {
    const { lines, logger } = capture();
    logger.info({ config: { url: new Secret('postgres://u:hunter2@db/x') }, token: 'xoxb-123', nested: { clientSecret: 's3' } }, 'config');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('xoxb-123');
    expect(text).not.toContain('s3"');
    expect(text).toContain('[redacted]');
  });

  it('censors secret-looking keys at any depth, and leaves other fields alone', () => {
    const { lines, logger } = capture();
    logger.info(
      { input: { platform: 'slack', botToken: 'xoxb-deep', teamOwner: { username: 'owner@x', password: 'pw-deep' } }, batch: [{ adminApiKey: 'k-deep' }] },
      'request',
    );
    const text = JSON.stringify(lines);
    for (const leaked of ['xoxb-deep', 'pw-deep', 'k-deep']) expect(text).not.toContain(leaked);
    expect(lines[0]).toMatchObject({ input: { platform: 'slack', teamOwner: { username: 'owner@x' } } });
  });
});

describe('log lines have unique keys (pino writes bindings and fields as text, without checking)', () => {
  it('lets a child replace its parent binding instead of repeating it (the embedded process names each service)', () => {
    const { raw, lines, logger } = capture('parley-embedded');
    const identity = logger.child({ service: 'identity' });
    identity.info('up');
    identity.child({ component: 'bus' }).child({ component: 'outbox' }).info('drained');
    logger.info('all up');
    expect(raw.map(duplicateJsonKeys)).toEqual([[], [], []]);
    expect(lines.map((l) => [l['service'], l['component'], l['msg']])).toEqual([
      ['identity', undefined, 'up'],
      ['identity', 'outbox', 'drained'],
      ['parley-embedded', undefined, 'all up'],
    ]);
  });

  it("renames a logged field that a binding, pino or the message already uses, and keeps the binding's value", async () => {
    const { raw, lines, logger } = capture();
    const bus = logger.child({ component: 'bus' });
    await withLogContext({ correlationId: 'c-1', topic: 't' }, async () => {
      bus.child({ topic: 'bound' }).warn({ service: 'sandboxes', component: 'x', level: 99, time: 0, msg: 'field', correlationId: 'mine' }, 'stopping');
    });
    expect(duplicateJsonKeys(raw[0] as string)).toEqual([]);
    expect(lines[0]).toMatchObject({ service: 'identity', service_: 'sandboxes', component: 'bus', component_: 'x', level: 'warn', level_: 99, time_: 0, msg: 'stopping', msg_: 'field', correlationId: 'mine', topic: 'bound' });
  });

  it('takes a msg field as the message when no message string is given', () => {
    const { raw, lines, logger } = capture();
    logger.info({ msg: 'only this' });
    expect(duplicateJsonKeys(raw[0] as string)).toEqual([]);
    expect(lines[0]).toMatchObject({ msg: 'only this' });
    expect(lines[0]).not.toHaveProperty('msg_');
  });
});

describe('log format', () => {
  it('is pretty exactly when stdout is a terminal, unless set', () => {
    expect(resolveLogFormat('auto', { isTTY: true })).toBe('pretty');
    expect(resolveLogFormat(undefined, { isTTY: true })).toBe('pretty');
    expect(resolveLogFormat('auto', { isTTY: false })).toBe('json');
    expect(resolveLogFormat(undefined, {})).toBe('json');
    expect(resolveLogFormat('json', { isTTY: true })).toBe('json');
    expect(resolveLogFormat('pretty', {})).toBe('pretty');
  });

  it('writes one readable line per entry through pino-pretty, naming the service and component, secrets still censored', async () => {
    const { raw, logger } = capture('identity', 'pretty');
    logger.child({ component: 'bus' }).info({ topic: 'parley.x.v1', token: 'xoxb-pretty' }, 'handled');
    await new Promise((resolve) => setImmediate(resolve));
    expect(raw).toHaveLength(1);
    expect(() => JSON.parse(raw[0] as string)).toThrow();
    expect(raw[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*identity\/bus: handled/);
    expect(raw[0]).toContain('parley.x.v1');
    expect(raw[0]).not.toContain('xoxb-pretty');
  });
});
