import type { Admin, ITopicConfig } from 'kafkajs';
import { allTopicDefinitions } from '@parley/contracts';

export interface TopicLayout {
  readonly prefix: string;
  readonly partitions: number;
  readonly replicationFactor: number;
}

export function physicalTopic(layout: Pick<TopicLayout, 'prefix'>, topic: string): string {
  return `${layout.prefix}${topic}`;
}

/**
 * Creates every catalog topic that does not exist yet, with the configured partitions. Topics are created
 * explicitly because consumers race broker auto-creation under KRaft (and auto-creation is off in our brokers).
 */
export async function ensureTopics(admin: Admin, layout: TopicLayout): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = allTopicDefinitions()
    .map((d) => physicalTopic(layout, d.name))
    .filter((name) => !existing.has(name))
    .map((topic) => ({ topic, numPartitions: layout.partitions, replicationFactor: layout.replicationFactor }));
  if (missing.length > 0) {
    // createTopics answers false (not an error) when another replica created them first.
    try {
      await admin.createTopics({ topics: missing, waitForLeaders: true });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
  await waitForMetadata(admin, allTopicDefinitions().map((d) => physicalTopic(layout, d.name)));
  return missing.map((t) => t.topic);
}

/**
 * Under KRaft a new topic's metadata reaches the broker's cache a moment after createTopics returns; a consumer
 * subscribing in that window fails with "does not host this topic-partition". Wait until every topic has leaders.
 */
async function waitForMetadata(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: described } = await admin.fetchTopicMetadata({ topics });
      if (described.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topic metadata not available within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isAlreadyExists(error: unknown): boolean {
  const err = error as { type?: string; errors?: Array<{ type?: string }> };
  return err.type === 'TOPIC_ALREADY_EXISTS' || (err.errors ?? []).every((e) => e.type === 'TOPIC_ALREADY_EXISTS');
}
