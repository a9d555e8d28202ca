/**
 * How much of a VNF may be impacted at once. This is the definition shared by the planner and
 * the plan checker (docs/architecture.md, "VNF availability"):
 *
 * - a member is *out* while its instance is stopped (stop-start, cold migration, or the standby
 *   side of a switch-over): at most `members - minAvailable` members may be out at once;
 * - a member that is live-migrated is *briefly interrupted* (a sub-second blackout): out and
 *   briefly interrupted members together may not exceed `max(members - minAvailable, 1)`, so a
 *   VNF with no spare member still has its members live-migrated, one at a time.
 */
import type { Vnf } from './inventory.js';

export interface ImpactBudget {
  /** Members that may be out at once. */
  readonly out: number;
  /** Members that may be out or briefly interrupted at once. */
  readonly total: number;
}

export function impactBudget(vnf: Vnf, members: number): ImpactBudget {
  const spare = Math.max(0, members - vnf.minAvailable);
  return { out: spare, total: Math.max(spare, 1) };
}
