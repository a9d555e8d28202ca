/**
 * vitest globalSetup: one PostgreSQL for the whole test run (each test file then creates its
 * own database in it; see `postgres.ts`). What the tests get through `inject('postgres')`:
 * the admin URL, or why there is none.
 */
import type { TestProject } from 'vitest/node';
import { findPostgresBinaries, POSTGRES_MISSING, startPostgresCluster } from './postgres.js';
import type { PostgresCluster } from './postgres.js';

export type PostgresForTests =
  | { readonly url: string; readonly source: string }
  | { readonly missing: string }
  | { readonly failed: string };

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresForTests;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let cluster: PostgresCluster | undefined;
  let provided: PostgresForTests;
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) provided = { url: fromEnv, source: 'DATABASE_URL' };
  else if (!findPostgresBinaries()) provided = { missing: POSTGRES_MISSING };
  else {
    try {
      cluster = await startPostgresCluster();
      provided = { url: cluster.url, source: `a cluster started in ${cluster.folder}` };
    } catch (error) {
      provided = { failed: `PostgreSQL could not be started for the tests: ${String(error)}` };
    }
  }
  project.provide('postgres', provided);
  return async () => {
    await cluster?.stop();
  };
}
