import { Kafka, logLevel } from 'kafkajs';

/**
 * Deletes the topics a test run or a benchmark created under its own prefix. Each stack's services create every
 * catalog topic (some 30 topics of several partitions); left behind, a few runs put thousands of partitions on a shared
 * broker, and its leader elections start to fail. Best effort and bounded: a cleanup never fails or hangs a run.
 */
export async function deleteTopicsWithPrefix(brokers: readonly string[], prefix: string, timeoutMs = 30_000): Promise<number> {
  if (!prefix) throw new Error('deleteTopicsWithPrefix: an empty prefix would delete every topic');
  const admin = new Kafka({ clientId: 'parley-test-cleanup', brokers: [...brokers], logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  const work = (async () => {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: timeoutMs });
    return topics.length;
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(0), timeoutMs + 5_000);
  });
  try {
    return await Promise.race([work.catch(() => 0), timeout]);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}
