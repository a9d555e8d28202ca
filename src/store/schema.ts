/**
 * The tables as Kysely sees them: one interface per table, column names as in SQL. Timestamps
 * are ISO-8601 UTC text with milliseconds (`2026-11-25T10:00:00.000Z`): the same in SQLite and
 * PostgreSQL, exact, and ordered as text. JSON columns hold JSON text (`json` in PostgreSQL,
 * `text` in SQLite), parsed by the store, never by the driver.
 */
import type { Generated } from 'kysely';

export interface RunsTable {
  id: string;
  campaign_name: string;
  /** sha256 of the compiled campaign: the run's idempotency key. */
  campaign_digest: string;
  target: string;
  state: string;
  revision: number;
  created_at: string;
  updated_at: string;
}

export interface StepsTable {
  run_id: string;
  key: string;
  ordinal: number;
  host: string | null;
  kind: string;
  state: string;
  attempt: number;
  idempotency_key: string;
  started_at: string | null;
  ended_at: string | null;
  error_code: string | null;
  detail: string | null;
}

export interface JournalTable {
  seq: Generated<number>;
  run_id: string;
  at: string;
  object_type: string;
  object_id: string;
  action: string;
  from_state: string | null;
  to_state: string | null;
  error_code: string | null;
  detail: string | null;
}

export interface BackupsTable {
  run_id: string;
  host: string;
  ref: string;
  items: string;
  created_at: string;
  deleted_at: string | null;
}

export interface GuardsTable {
  run_id: string;
  name: string;
  original: string;
  applied_at: string;
  restored_at: string | null;
}

export interface LeasesTable {
  run_id: string;
  owner: string;
  expires_at: string;
}

export interface MigrationsTable {
  name: string;
  applied_at: string;
}

/** A run's plan, apart from the run's row (migration 0002): read only when needed. */
export interface RunPlansTable {
  run_id: string;
  plan: string;
}

export interface Database {
  runs: RunsTable;
  run_plans: RunPlansTable;
  steps: StepsTable;
  journal: JournalTable;
  backups: BackupsTable;
  guards: GuardsTable;
  leases: LeasesTable;
  escalator_migrations: MigrationsTable;
}
