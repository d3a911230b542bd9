import { Writable } from 'node:stream';
import { Secret } from '@parley/config';
import { createLogger, withLogContext } from './index';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'identity', level: 'info', destination }) };
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
