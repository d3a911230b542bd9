import { z } from 'zod';
import { orgId, timestamp, uuid } from '@parley/contracts';

export const syncMode = z.enum(['guest', 'account']);
export const syncStatus = z.enum(['queued', 'running', 'succeeded', 'partially_failed', 'failed']);

export const createUserSyncRequest = z.strictObject({ mode: syncMode });
export const startUserSyncRequest = z.strictObject({ mode: syncMode, requestedBy: z.string().min(1) });

export const userSyncView = z.object({
  id: uuid,
  orgId,
  mode: syncMode,
  status: syncStatus,
  /** What the job is doing now: importing directories, provisioning accounts, or done. */
  phase: z.enum(['queued', 'importing', 'provisioning', 'done']),
  total: z.number().int(),
  done: z.number().int(),
  created: z.number().int(),
  linked: z.number().int(),
  unchanged: z.number().int(),
  /** Guests disabled and mirrors deactivated because the person left their primary platform. */
  disabled: z.number().int(),
  failed: z.number().int(),
  errors: z.array(z.object({ personId: uuid.nullable(), reason: z.string() })),
  requestedBy: z.string(),
  createdAt: timestamp,
  startedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
});
export type UserSyncView = z.infer<typeof userSyncView>;
export const userSyncList = z.object({ items: z.array(userSyncView) });
/** 409 body when a sync is already queued or running for the org. */
export const SYNC_CONFLICT_PROBLEM = 'https://parley.dev/problems/sync-in-progress';
