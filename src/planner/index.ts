/**
 * The planner's public surface. Pure: no I/O, no clock, seeded randomness only.
 *
 *   plan(input, options)      → Plan (stages, waves, host operations, bounds, findings)
 *   check(input)              → Finding[] (smooth-upgrade conditions, with remedies)
 *   verifyPlan(plan, input)   → the first violated hard constraint, or undefined
 */
import type { Campaign, Catalog, Inventory, Plan, Strategy, Finding } from '../model/index.js';

export interface PlanningInput {
  readonly inventory: Inventory;
  readonly catalog: Catalog;
  readonly campaign: Campaign;
}

export interface PlanOptions {
  readonly strategy: Strategy;
  /** Hosts per wave for fixed-parallel (default 2, as StarlingX's max-parallel-worker-hosts). */
  readonly fixedParallel?: number;
}

export interface Violation {
  readonly constraint: string;
  readonly stage: number;
  readonly wave: number;
  readonly subject: string;
  readonly message: string;
}

export type { Plan, Finding };

export { plan } from './plan.js';
export { check } from './check-api.js';
export { verifyPlan } from './verify.js';
