/** The store: runs, steps, journal, guards, backups and leases in SQLite or PostgreSQL. */
export { newStepRecords, openStore, Store, StoreConflictError } from './store.js';
export type { StoreOptions } from './store.js';
export { DEFAULT_DB_PATH, parseTarget, describeTarget } from './target.js';
export type { Target } from './target.js';
export { MIGRATIONS, migrationProvider, columnTypes } from './migrations.js';
export type { Dialect } from './migrations.js';
export { DEFAULT_RETRY, isTransient } from './retry.js';
export type { RetryPolicy } from './retry.js';
export { ulidGenerator, ulidTime } from './ids.js';
export type { Database } from './schema.js';
export type * from './types.js';
