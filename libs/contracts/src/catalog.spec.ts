import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  allTopicDefinitions,
  ContractViolation,
  decodeMessage,
  encodeMessage,
  exportJsonSchemas,
  partitionKey,
  parsePayload,
  TOPIC_NAME,
  type PayloadIn,
  type TopicName,
} from './index';

const definitions = allTopicDefinitions();

describe('topic catalog', () => {
  it('has unique names that follow parley.<domain>.<entity>.<event>.v<N>', () => {
    const names = definitions.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(TOPIC_NAME);
  });

  // Generated from the catalog: a topic added without a valid example or with a copy-pasted key fails here.
  describe.each(definitions.map((d) => [d.name, d] as const))('%s', (name, definition) => {
    const topic = name as TopicName;

    it('round-trips its example through encode and decode unchanged, envelope included', () => {
      const meta = { id: 'evt-1', source: 'test', time: '2026-11-27T10:00:00.000Z', correlationId: 'req-1' };
      const encoded = encodeMessage(topic, definition.example as PayloadIn<TopicName>, meta);
      const decoded = decodeMessage(topic, Buffer.from(encoded.value));
      expect(decoded.payload).toEqual(parsePayload(topic, definition.example));
      expect(decoded.meta).toEqual(meta);
      expect(JSON.parse(encodeMessage(topic, decoded.payload as PayloadIn<TopicName>, decoded.meta).value)).toEqual(JSON.parse(encoded.value));
      expect(encoded.key).toBe(partitionKey(topic, decoded.payload));
      expect(JSON.parse(encoded.value)).toMatchObject({ specversion: '1.0', type: name, id: 'evt-1', source: 'test', correlationid: 'req-1' });
    });

    it('refuses an envelope of another topic, or without its fields, naming what is wrong', () => {
      const meta = { id: 'evt-2', source: 'test', time: '2026-11-27T10:00:00.000Z' };
      const envelope = JSON.parse(encodeMessage(topic, definition.example as PayloadIn<TopicName>, meta).value);
      const other = topic === 'parley.message.received.v1' ? 'parley.message.delivered.v1' : 'parley.message.received.v1';
      expect(() => decodeMessage(topic, JSON.stringify({ ...envelope, type: other }))).toThrow(/type: expected/);
      const { id: _id, data: _data, ...bare } = envelope;
      expect(() => decodeMessage(topic, JSON.stringify(bare))).toThrow(/id: expected.*data: required/);
      expect(() => decodeMessage(topic, JSON.stringify(definition.example))).toThrow(ContractViolation);
    });

    it('derives a non-empty key from the payload, not from the topic', () => {
      const key = partitionKey(topic, parsePayload(topic, definition.example));
      expect(key.length).toBeGreaterThan(0);
      expect(key).not.toContain('undefined');
    });

    it('rejects a payload missing each required field, naming the field', () => {
      const example = definition.example as Record<string, unknown>;
      const required = Object.keys(example).filter((field) => {
        const { [field]: _dropped, ...rest } = example;
        return !definition.schema.safeParse(rest).success;
      });
      expect(required.length).toBeGreaterThan(0);
      for (const field of required) {
        const { [field]: _dropped, ...rest } = example;
        expect(() => parsePayload(topic, rest)).toThrow(ContractViolation);
        try {
          parsePayload(topic, rest);
        } catch (error) {
          expect((error as ContractViolation).problems.join(' ')).toContain(field);
        }
      }
    });

    it('rejects bytes that are not JSON with a ContractViolation', () => {
      expect(() => decodeMessage(topic, Buffer.from('{not json'))).toThrow(ContractViolation);
      expect(() => decodeMessage(topic, null)).toThrow(ContractViolation);
    });

    it('names itself with the version in its name', () => {
      expect(name.endsWith(`.v${definition.version}`)).toBe(true);
      expect(definition.producers.length).toBeGreaterThan(0);
      // Consumers may be none (an announcement nobody handles yet); tools/boundary-checks compares them with the handlers.
    });
  });
});

describe('JSON Schema export', () => {
  const schemaDir = path.join(__dirname, '..', 'schema');

  it('matches the committed files (run `npm run contracts:schema` after changing a contract)', () => {
    const exported = exportJsonSchemas();
    const committed = readdirSync(schemaDir).filter((f) => f.endsWith('.json'));
    expect(committed.sort()).toEqual(Object.keys(exported).map((name) => `${name}.json`).sort());
    for (const [name, schema] of Object.entries(exported)) {
      const onDisk = JSON.parse(readFileSync(path.join(schemaDir, `${name}.json`), 'utf8'));
      expect({ name, schema: onDisk }).toEqual({ name, schema: JSON.parse(JSON.stringify(schema)) });
    }
  });
});

describe('normalisation', () => {
  it('lower-cases and trims emails so people match across platforms', () => {
    const payload = parsePayload('parley.directory.user.observed.v1', {
      orgId: 'org_3f9a2c1b7d',
      platform: 'teams',
      platformUserId: 'aad-1',
      email: '  Ada@Example.COM ',
      displayName: 'Ada',
      isBot: false,
      isDeactivated: false,
      observedAt: '2026-11-27T10:00:00.000Z',
    });
    expect(payload.email).toBe('ada@example.com');
    expect(partitionKey('parley.directory.user.observed.v1', payload)).toBe('org_3f9a2c1b7d:ada@example.com');
  });
});
