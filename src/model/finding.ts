/**
 * A smooth-upgrade condition that is not met (or a fact the operator must know), with what
 * to do about it. Findings are data: the check and the planner return them, interfaces print them.
 */
export type Severity = 'blocker' | 'warning' | 'info';

export const FINDING_CODES = {
  HOST_DOWN:
    'A target host is down or in maintenance: it cannot be upgraded nor receive instances.',
  HOST_ALARM:
    'A target host has active alarms: faults before the upgrade hide faults it introduces.',
  NO_TARGETS: 'The campaign selects no host that needs an upgrade.',
  CAPACITY_SHORT: 'Spare capacity is too small to evacuate a host while keeping anti-affinity.',
  VNF_NOT_REDUNDANT:
    'A VNF lacks the redundancy smooth mode needs to keep serving while a member is out.',
  INSTANCE_NOT_MIGRATABLE:
    "An instance can neither migrate nor be covered by its VNF's redundancy.",
  VERSION_SKIP: 'The upgrade skips a release the catalogue requires in between.',
  VERSION_UNKNOWN: 'The target or installed version is not in the catalogue.',
  NOT_COEXISTENT:
    'Old and new versions of a component cannot run side by side during a rolling upgrade.',
  DEPENDENCY_UNMET: 'A release requires a component version no plan can provide first.',
  DEPENDENCY_BROKEN:
    'Upgrading a component would leave another component beside a version it cannot work with.',
  QUORUM_AT_RISK: 'A cluster cannot keep its quorum while one of its members is upgraded.',
  SHARED_SERVICE: 'Another site relies on a service this campaign upgrades.',
  OUTAGE_EXPECTED: 'In non-smooth mode: the outage a VNF will see.',
  INTERRUPTION_OVER_BUDGET: 'A predicted interruption exceeds the campaign or instance budget.',
  NO_PROGRESS: 'Some hosts cannot be placed in any wave without breaking a hard constraint.',
} as const;

export type FindingCode = keyof typeof FINDING_CODES;

export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  /** What the finding is about: a host, instance, VNF, component or cluster name. */
  readonly subject: string;
  readonly message: string;
  readonly remedies: readonly string[];
}
