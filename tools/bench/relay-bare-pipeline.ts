// The bare pipeline of `npm run bench:relay`, run as its own process (forked by relay-throughput.ts): what carrying a
// message costs with no Parley at all. It receives the platform's event over HTTP (Slack's Events API, Graph's change
// notification with encrypted resource data), produces it to a Kafka topic, consumes it, produces it to a second
// topic, consumes that, and posts it to the other platform over HTTP: kafkajs, two hops, the same two HTTP calls.
// No signature or validation-token checks, no database, no identity lookups, no formatting, no pacing.
import { constants, createDecipheriv, createHmac, privateDecrypt } from 'node:crypto';
import http from 'node:http';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { Agent, fetch } from 'undici';
import { fixKafkajsRequestQueue } from '@parley/messaging';

export interface BarePipelineConfig {
  readonly brokers: string[];
  readonly topicPrefix: string;
  readonly partitions: number;
  readonly graphUrl: string;
  readonly caPem: string;
  readonly slackApiUrl: string;
  /** PEM private key of the certificate the bench subscribed with. */
  readonly privateKeyPem: string;
  readonly clientState: string;
  /** Slack DM -> the Teams chat to post in, as whom. */
  readonly toTeams: Record<string, { chatId: string; token: string }>;
  /** Teams chat -> the Slack DM to post in, as whom. */
  readonly toSlack: Record<string, { channel: string; token: string }>;
  /** The pipeline's own voices: what they post comes back as events and is not carried again. */
  readonly slackVoices: string[];
  readonly teamsVoices: string[];
}

interface Carried {
  readonly to: 'teams' | 'slack';
  readonly target: string;
  readonly text: string;
}

async function run(config: BarePipelineConfig): Promise<void> {
  // The same kafkajs as Parley's (ADR 0056): a library defect is neither side's cost.
  fixKafkajsRequestQueue();
  const kafka = new Kafka({ clientId: 'bare-pipeline', brokers: config.brokers, logLevel: logLevel.NOTHING });
  const hop1 = `${config.topicPrefix}bare.hop1`;
  const hop2 = `${config.topicPrefix}bare.hop2`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [hop1, hop2].map((topic) => ({ topic, numPartitions: config.partitions, replicationFactor: 1 })), waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const graphAgent = new Agent({ connect: { ca: config.caPem } });
  const slackVoices = new Set(config.slackVoices);
  const teamsVoices = new Set(config.teamsVoices);

  const produce = (topic: string, key: string, value: Buffer | string) => producer.send({ topic, messages: [{ key, value }] });
  const post = async (message: Carried): Promise<void> => {
    if (message.to === 'teams') {
      const route = config.toTeams[message.target];
      if (!route) return;
      const response = await fetch(`${config.graphUrl}/chats/${encodeURIComponent(route.chatId)}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${route.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ body: { contentType: 'text', content: message.text } }),
        dispatcher: graphAgent,
      });
      await complainUnless(response.ok, response);
    } else {
      const route = config.toSlack[message.target];
      if (!route) return;
      const response = await fetch(`${config.slackApiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${route.token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ channel: route.channel, text: message.text }).toString(),
      });
      await complainUnless(response.ok && (await response.clone().json() as { ok?: boolean }).ok === true, response);
    }
  };
  /** One consumer group per hop; messages of one key in order, keys of a batch side by side. */
  const consume = async (topic: string, handle: (message: KafkaMessage) => Promise<void>) => {
    const consumer = kafka.consumer({ groupId: `${topic}.group`, maxWaitTimeInMs: 10 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: config.partitions,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        const byKey = new Map<string, KafkaMessage[]>();
        for (const message of batch.messages) {
          const key = message.key?.toString() ?? '';
          const list = byKey.get(key);
          if (list) list.push(message);
          else byKey.set(key, [message]);
        }
        await Promise.all(
          [...byKey.values()].map(async (messages) => {
            for (const message of messages) await handle(message);
          }),
        );
        resolveOffset(batch.lastOffset());
        await heartbeat();
      },
    });
    return consumer;
  };
  const consumers = [
    await consume(hop1, (m) => produce(hop2, m.key?.toString() ?? '', m.value ?? '').then(() => undefined)),
    await consume(hop2, (m) => post(JSON.parse(m.value?.toString() ?? '{}') as Carried)),
  ];

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://bare');
      const body = Buffer.concat(chunks).toString('utf8');
      if (url.pathname === '/slack/events') {
        const envelope = JSON.parse(body) as { type: string; challenge?: string; event?: { type: string; subtype?: string; user?: string; channel: string; text?: string } };
        if (envelope.type === 'url_verification') {
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: envelope.challenge }));
          return;
        }
        response.writeHead(200).end();
        const event = envelope.event;
        if (event?.type !== 'message' || event.subtype || !event.user || slackVoices.has(event.user)) return;
        const carried: Carried = { to: 'teams', target: event.channel, text: event.text ?? '' };
        void produce(hop1, event.channel, JSON.stringify(carried)).catch((error: unknown) => console.error(error));
        return;
      }
      if (url.pathname === '/teams/notifications') {
        const token = url.searchParams.get('validationToken');
        if (token) {
          response.writeHead(200, { 'content-type': 'text/plain' }).end(token);
          return;
        }
        response.writeHead(202).end();
        const notification = JSON.parse(body) as { value: { clientState: string; changeType: string; encryptedContent?: { data: string; dataKey: string; dataSignature: string } }[] };
        for (const item of notification.value) {
          if (item.clientState !== config.clientState || item.changeType !== 'created' || !item.encryptedContent) continue;
          const message = decrypt(item.encryptedContent, config.privateKeyPem) as { chatId?: string; from?: { user?: { id?: string } }; body: { content: string } };
          if (!message.chatId || teamsVoices.has(message.from?.user?.id ?? '')) continue;
          const carried: Carried = { to: 'slack', target: message.chatId, text: message.body.content };
          void produce(hop1, message.chatId, JSON.stringify(carried)).catch((error: unknown) => console.error(error));
        }
        return;
      }
      response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'stop') return;
    server.close();
    void Promise.allSettled([...consumers.map((c) => c.disconnect()), producer.disconnect(), graphAgent.close()]).then(() => process.exit(0));
  });
}

let complaints = 0;
/** Says (a few times) why a post failed: the bench counts what landed, this says why something did not. */
async function complainUnless(ok: boolean, response: Awaited<ReturnType<typeof fetch>>): Promise<void> {
  const text = await response.text();
  if (!ok && complaints++ < 5) console.error(`bare pipeline: post answered ${response.status} ${text.slice(0, 300)}`);
}

/** Graph's encrypted resource data: an RSA-OAEP wrapped AES key, HMAC-SHA256 checked, AES-256-CBC with the key's IV. */
function decrypt(content: { data: string; dataKey: string; dataSignature: string }, privateKeyPem: string): unknown {
  const key = privateDecrypt({ key: privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(content.dataKey, 'base64'));
  const data = Buffer.from(content.data, 'base64');
  if (createHmac('sha256', key).update(data).digest('base64') !== content.dataSignature) throw new Error('bad signature');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  return JSON.parse(Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8'));
}

process.once('message', (message: { type?: string; config?: BarePipelineConfig }) => {
  if (message.type !== 'config' || !message.config) return;
  run(message.config).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
