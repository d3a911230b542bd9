import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * User-sync jobs and what drives them: the job with its counters, each platform's directory import, the plan (one
 * row per person considered), the tasks sent to the connectors, and the errors an admin reads.
 */
export class ProvisioningUserSyncs1795900000000 implements MigrationInterface {
  name = 'ProvisioningUserSyncs1795900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE provisioning.user_syncs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('guest', 'account')),
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'running', 'succeeded', 'partially_failed', 'failed')),
        phase text NOT NULL DEFAULT 'queued' CHECK (phase IN ('queued', 'importing', 'provisioning', 'done')),
        requested_by text NOT NULL,
        total integer NOT NULL DEFAULT 0,
        done integer NOT NULL DEFAULT 0,
        created integer NOT NULL DEFAULT 0,
        linked integer NOT NULL DEFAULT 0,
        unchanged integer NOT NULL DEFAULT 0,
        disabled integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        -- The Teams connection's teams, fixed when the job starts so every guest of one job joins the same teams.
        team_ids jsonb,
        -- Planning: set once both directories are reconciled; cursor and chunk count advance with each committed chunk.
        planning_started_at timestamptz,
        plan_cursor text,
        plan_chunks integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    // At most one queued-or-running sync per org: a concurrent second request loses on this index, not on a read.
    await runner.query(`
      CREATE UNIQUE INDEX user_syncs_one_active_per_org ON provisioning.user_syncs (org_id)
      WHERE status IN ('queued', 'running')`);
    await runner.query(`CREATE INDEX user_syncs_org_created ON provisioning.user_syncs (org_id, created_at DESC, id DESC)`);
    await runner.query(`CREATE INDEX user_syncs_unfinished ON provisioning.user_syncs (updated_at) WHERE status IN ('queued', 'running')`);

    await runner.query(`
      CREATE TABLE provisioning.user_sync_imports (
        sync_id uuid NOT NULL REFERENCES provisioning.user_syncs(id) ON DELETE CASCADE,
        platform text NOT NULL CHECK (platform IN ('slack', 'teams')),
        connection_id uuid NOT NULL,
        state text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'reconciled', 'failed')),
        observed integer,
        reason text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sync_id, platform)
      )`);

    await runner.query(`
      CREATE TABLE provisioning.sync_people (
        sync_id uuid NOT NULL REFERENCES provisioning.user_syncs(id) ON DELETE CASCADE,
        person_id uuid NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('tasks', 'linked', 'unchanged', 'error')),
        PRIMARY KEY (sync_id, person_id)
      )`);

    await runner.query(`
      CREATE TABLE provisioning.sync_tasks (
        id bigserial PRIMARY KEY,
        sync_id uuid NOT NULL REFERENCES provisioning.user_syncs(id) ON DELETE CASCADE,
        org_id text NOT NULL,
        person_id uuid NOT NULL,
        action text NOT NULL CHECK (action IN ('create_guest', 'create_mirror', 'disable_guest', 'deactivate_mirror')),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
        reason text,
        -- How many times the command was sent; a retryable failure re-sends it while this is under the bound.
        attempts integer NOT NULL DEFAULT 1,
        -- The command as first sent, re-sent unchanged on a retry.
        command jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        UNIQUE (sync_id, person_id, action)
      )`);
    await runner.query(`CREATE INDEX sync_tasks_pending ON provisioning.sync_tasks (sync_id) WHERE status = 'pending'`);

    await runner.query(`
      CREATE TABLE provisioning.sync_errors (
        id bigserial PRIMARY KEY,
        sync_id uuid NOT NULL REFERENCES provisioning.user_syncs(id) ON DELETE CASCADE,
        person_id uuid,
        reason text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX sync_errors_sync ON provisioning.sync_errors (sync_id, id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE provisioning.sync_errors');
    await runner.query('DROP TABLE provisioning.sync_tasks');
    await runner.query('DROP TABLE provisioning.sync_people');
    await runner.query('DROP TABLE provisioning.user_sync_imports');
    await runner.query('DROP TABLE provisioning.user_syncs');
  }
}
