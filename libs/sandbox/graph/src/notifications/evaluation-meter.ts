import type { Subscription } from '../state/model';
import type { Store } from '../state/store';
import type { Throttle } from '../throttling/throttle';
import { billingOf } from './subscription-resource';

export interface EvaluationUsage {
  readonly tenantId: string;
  readonly clientId: string;
  readonly used: number;
  readonly cap: number;
  readonly periodStart: string;
  readonly periodEnd: string;
}

/**
 * Evaluation mode (a tenant-wide message subscription without `?model=`): 500 change notifications per month per
 * app per tenant (the "month" is the `evaluationNotificationsPerMonth` window, times timeScale), then nothing until
 * the next period. Counted on the tenant record so it persists with the rest of the state.
 * (unverified) whether Graph counts updated/deleted notifications against the cap as it does created ones; the
 * sandbox counts every change notification it would send.
 */
export function admitEvaluationNotification(store: Store, throttle: Throttle, subscription: Subscription, now = Date.now()): boolean {
  if (billingOf(subscription) !== 'evaluation') return true;
  const tenant = store.tenants.get(subscription.tenantId);
  if (!tenant) return false;
  tenant.evaluationUsage ??= {};
  const windowMs = throttle.scaledWindowMs('evaluationNotificationsPerMonth');
  let usage = tenant.evaluationUsage[subscription.clientId];
  if (!usage || now - usage.periodStart >= windowMs) {
    usage = { periodStart: now, notifications: 0 };
    tenant.evaluationUsage[subscription.clientId] = usage;
  }
  if (usage.notifications >= throttle.limit('evaluationNotificationsPerMonth').requests) return false;
  usage.notifications++;
  return true;
}

/** Every app's evaluation-mode use in the current period, for tests and the inspect API. */
export function evaluationUsage(store: Store, throttle: Throttle): EvaluationUsage[] {
  const windowMs = throttle.scaledWindowMs('evaluationNotificationsPerMonth');
  const cap = throttle.limit('evaluationNotificationsPerMonth').requests;
  const now = Date.now();
  const result: EvaluationUsage[] = [];
  for (const tenant of store.tenants.values()) {
    for (const [clientId, usage] of Object.entries(tenant.evaluationUsage ?? {})) {
      const current = now - usage.periodStart < windowMs;
      result.push({
        tenantId: tenant.id,
        clientId,
        used: current ? usage.notifications : 0,
        cap,
        periodStart: new Date(usage.periodStart).toISOString(),
        periodEnd: new Date(usage.periodStart + windowMs).toISOString(),
      });
    }
  }
  return result;
}
