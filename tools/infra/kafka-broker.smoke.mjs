#!/usr/bin/env node
// Proves the pinned broker works on this machine with the client the project uses: start a throwaway broker,
// send one message through a 12-partition topic with an idempotent producer, read it back, stop, clean up.
//   node tools/infra/kafka-broker.smoke.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kafkajs from 'kafkajs';
import broker from './kafka-broker.cjs';

const { Kafka, Partitioners, logLevel } = kafkajs;
const TOPIC = 'parley.smoke';
const RECEIVE_TIMEOUT_MS = 30_000;

const timings = {};
async function timed(name, fn) {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    timings[name] = Math.round(performance.now() - started);
  }
}

/** Resolves with the first message the consumer delivers, or rejects after the timeout. */
function firstMessage(consumer) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message within ${RECEIVE_TIMEOUT_MS} ms`)), RECEIVE_TIMEOUT_MS);
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          clearTimeout(timer);
          resolve({ partition, key: message.key?.toString(), value: message.value?.toString(), receivedAt: performance.now() });
        },
      })
      .catch((error) => {
        clearTimeout(timer);
        reject(error);
      });
  });
}

/** Resolves once the consumer owns its partitions, so the round trip below measures delivery, not the join. */
function joined(consumer) {
  return new Promise((resolve) => {
    const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
      remove();
      resolve();
    });
  });
}

async function roundTrip(brokers) {
  const kafka = new Kafka({ clientId: 'parley-smoke', brokers, logLevel: logLevel.WARN });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: 'parley-smoke' });
  try {
    await admin.connect();
    await timed('createTopic', () =>
      admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: 12, replicationFactor: 1 }] }),
    );
    const [{ partitions }] = (await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics;
    await Promise.all([producer.connect(), consumer.connect()]);
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const hasJoined = joined(consumer);
    const received = firstMessage(consumer);
    await timed('consumerJoin', () => hasJoined);

    const key = 'conversation-42';
    const value = `hello from ${process.pid} at ${new Date().toISOString()}`;
    const sentAt = performance.now();
    const [ack] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ key, value }] });
    const message = await received;
    timings.roundTrip = Math.round(message.receivedAt - sentAt);
    if (message.value !== value || message.key !== key) throw new Error(`got ${JSON.stringify(message)}, sent ${value}`);
    return { partitions: partitions.length, partition: ack.partition, offset: ack.baseOffset };
  } finally {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
  }
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-kafka-smoke-'));
  let handle;
  try {
    const libs = await timed('libs', () => broker.ensureBrokerLibs());
    handle = await timed('start', () => broker.startBroker({ dataDir }));
    console.log(`kafka ${broker.KAFKA_VERSION} up at ${handle.brokers} (pid ${handle.pid}; jars ${libs.fetched ? 'fetched' : 'cached'})`);
    const result = await roundTrip(handle.brokers);
    await timed('stop', () => handle.stop());
    handle = undefined;
    console.log(`topic ${TOPIC}: ${result.partitions} partitions; message landed on partition ${result.partition} offset ${result.offset}`);
    console.log(
      `timings (ms): libs ${timings.libs} | start ${timings.start} | create topic ${timings.createTopic} | ` +
        `consumer join ${timings.consumerJoin} | round trip ${timings.roundTrip} | stop ${timings.stop}`,
    );
  } finally {
    if (handle) await handle.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`smoke failed: ${error.stack ?? error}`);
  process.exitCode = 1;
});
