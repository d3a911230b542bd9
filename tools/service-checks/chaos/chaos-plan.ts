import { seededRandom } from '@parley/sandbox-seed';
import type { ClusterApp } from '@parley/testing';

/** The servers the chaos run restarts: its own, not the machine's (own-servers.ts). Redis keeps nothing across it. */
export type ChaosServer = 'kafka' | 'postgres' | 'redis';

/** The services the chaos run kills: all six. */
export const CHAOS_APPS: readonly ClusterApp[] = ['identity', 'provisioning', 'relay', 'slack-connector', 'teams-connector', 'gateway'];

/** One fault, injected when the stream of messages reaches `at` (a fraction of them). */
export type Fault =
  /** SIGKILL of one replica of the app, then its restart after `downMs`; the app's other replicas keep running. */
  | { readonly kind: 'kill'; readonly at: number; readonly app: ClusterApp; readonly replica: number; readonly downMs: number }
  /** The platform answers this fraction of calls with a 5xx for `seconds`. */
  | { readonly kind: 'platform-errors'; readonly at: number; readonly platform: 'slack' | 'graph'; readonly rate: number; readonly seconds: number }
  /** The platform answers its next `requests` calls 429 with Retry-After. */
  | { readonly kind: 'throttle-burst'; readonly at: number; readonly platform: 'slack' | 'graph'; readonly requests: number }
  /** A server the stack depends on crashes (SIGKILL, or PostgreSQL's immediate shutdown) and starts again after `downMs`. */
  | { readonly kind: 'server-restart'; readonly at: number; readonly server: ChaosServer; readonly downMs: number }
  /** One Graph subscription expires at Graph without a word to Parley. */
  | { readonly kind: 'subscription-expiry'; readonly at: number };

export interface ChaosPlan {
  readonly seed: number;
  readonly messages: number;
  /** Processes per service, as deployed (k8s/base runs two of each); a kill takes down one of them. */
  readonly replicas: number;
  /** Always on, from the seed: Graph drops this fraction of notifications, Slack sends this fraction of events twice. */
  readonly dropNotificationRate: number;
  readonly duplicateEventRate: number;
  /** In the order they happen. */
  readonly faults: readonly Fault[];
}

export interface ChaosPlanOptions {
  readonly seed: number;
  readonly messages: number;
  /** SIGKILLs per service over the run (the short form: 1). */
  readonly killsPerApp: number;
  /** Processes per service (1 by default); each kill picks one of them from the seed. */
  readonly replicas?: number;
  /** 5xx windows and 429 bursts per platform. */
  readonly platformFaults: number;
}

/**
 * The run's faults, from its seed alone: the same seed gives the same plan, so a failing run replays (`npm run chaos --
 * --seed N`). Faults land between 10% and 85% of the stream, so the run starts clean and has time to settle after.
 */
export function chaosPlan(options: ChaosPlanOptions): ChaosPlan {
  const random = seededRandom(options.seed);
  // Which replica a kill hits comes from a generator of its own, so a seed's other faults are the same at any replica count.
  const pickReplica = seededRandom(options.seed + 7_919);
  const replicas = Math.max(1, options.replicas ?? 1);
  const at = () => Math.round((0.1 + random() * 0.75) * 1000) / 1000;
  const faults: Fault[] = [];
  for (const app of CHAOS_APPS) {
    for (let i = 0; i < options.killsPerApp; i++) {
      faults.push({ kind: 'kill', at: at(), app, downMs: 200 + Math.floor(random() * 2_800), replica: Math.floor(pickReplica() * replicas) });
    }
  }
  for (const platform of ['slack', 'graph'] as const) {
    for (let i = 0; i < options.platformFaults; i++) {
      faults.push({ kind: 'platform-errors', at: at(), platform, rate: 0.1, seconds: 5 + Math.floor(random() * 10) });
      faults.push({ kind: 'throttle-burst', at: at(), platform, requests: 5 + Math.floor(random() * 20) });
    }
  }
  const redisAt = at();
  faults.push({ kind: 'subscription-expiry', at: at() });
  // Drawn after the faults above, so that adding them left each seed's other faults where they were.
  faults.push({ kind: 'server-restart', at: redisAt, server: 'redis', downMs: 200 + Math.floor(random() * 2_800) });
  for (const server of ['kafka', 'postgres'] as const) faults.push({ kind: 'server-restart', at: at(), server, downMs: 200 + Math.floor(random() * 2_800) });
  faults.sort((a, b) => a.at - b.at);
  return { seed: options.seed, messages: options.messages, replicas, dropNotificationRate: 0.05, duplicateEventRate: 0.02, faults };
}

/** How a fault reads in the report. */
export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'kill':
      return `SIGKILL ${fault.app}${fault.replica > 0 ? ` replica ${fault.replica}` : ''} (down ${fault.downMs} ms)`;
    case 'platform-errors':
      return `${fault.platform} answers ${Math.round(fault.rate * 100)}% of calls 5xx for ${fault.seconds} s`;
    case 'throttle-burst':
      return `${fault.platform} answers the next ${fault.requests} calls 429 with Retry-After`;
    case 'server-restart':
      return `${SERVER_NAMES[fault.server]} crashed and restarted (down ${fault.downMs} ms${fault.server === 'redis' ? ', every key gone' : ''})`;
    case 'subscription-expiry':
      return 'a Graph subscription expires unseen';
  }
}

const SERVER_NAMES: Record<ChaosServer, string> = { kafka: 'the Kafka broker', postgres: 'PostgreSQL', redis: 'Redis' };
