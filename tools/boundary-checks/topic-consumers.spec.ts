import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { allTopicDefinitions } from '@parley/contracts';

// The topic catalog names each topic's consumers, and readers trust it (architecture.md's topic table, the JSON
// Schemas, the dashboards). A consumer is a service whose feature code has an `@EventPattern(topic)` handler, so the
// two are compared here: a topic that lists a service that never subscribes, or a handler the catalog does not
// mention, is a catalog that lies.
const root = path.resolve(__dirname, '../..');
const services = ['gateway', 'identity', 'provisioning', 'slack-connector', 'teams-connector', 'relay'] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') && !/\.(spec|integration-spec)\.ts$/.test(entry.name) && !full.includes(`${path.sep}testing${path.sep}`) ? [full] : [];
  });
}

function subscribedTopics(service: string): Set<string> {
  const topics = new Set<string>();
  for (const file of sourceFiles(path.join(root, 'libs', service))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/@EventPattern\(\s*'([^']+)'/g)) topics.add(match[1] as string);
  }
  return topics;
}

describe('topic catalog consumers', () => {
  const subscribed = new Map(services.map((service) => [service, subscribedTopics(service)]));

  it('finds the handlers it compares (the scan is not looking at the wrong place)', () => {
    expect(subscribed.get('relay')).toContain('parley.message.received.v1');
    expect(subscribed.get('identity')).toContain('parley.directory.user.observed.v1');
  });

  it.each(allTopicDefinitions().map((definition) => [definition.name, definition] as const))('%s names exactly the services that handle it', (name, definition) => {
    const handling = services.filter((service) => subscribed.get(service)?.has(name));
    expect({ topic: name, consumers: [...definition.consumers].sort() }).toEqual({ topic: name, consumers: [...handling].sort() });
  });
});
