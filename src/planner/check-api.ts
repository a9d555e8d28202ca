import { DEFAULT_COST_MODEL, type CostModel, type Finding } from '../model/index.js';
import type { PlanningInput } from './index.js';
import { plan } from './plan.js';

/**
 * Check Smooth Upgrade Conditions: the findings of an optimised planning attempt (static
 * conditions and whatever the planner could not place), blockers first.
 */
export function check(
  input: PlanningInput,
  cost: CostModel = DEFAULT_COST_MODEL,
): readonly Finding[] {
  return plan(input, { strategy: 'optimised' }, cost).findings;
}
