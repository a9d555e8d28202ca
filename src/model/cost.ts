/**
 * How long things take and how long instances are interrupted: the one cost model shared by
 * the planner's predictions and the digital twin, so that a rehearsal and a plan agree.
 * Figures are typical of KVM live migration over a 10 Gbit/s migration network.
 */
export interface CostModel {
  /** Effective live-migration bandwidth in MiB per second. */
  readonly migrationMiBps: number;
  /** Fixed cost of any migration (scheduling, setup, cleanup) in seconds. */
  readonly migrationOverheadSeconds: number;
  /** Live migrations a host runs at once while it is evacuated. */
  readonly concurrentMigrationsPerHost: number;
  /** Live-migration blackout: base plus per GiB of guest memory, in milliseconds. */
  readonly blackoutBaseMs: number;
  readonly blackoutPerGiBMs: number;
  /** Cold migration: downtime base plus copying memory-sized state. */
  readonly coldMigrationBaseSeconds: number;
  /** VNF-level switch-over gap seen by the VNF's service, in milliseconds. */
  readonly switchOverGapMs: number;
  /** Disable/enable scheduling, notifications and other API round trips, in seconds. */
  readonly apiStepSeconds: number;
  /** Backup of versions, configuration and databases of one host, in seconds. */
  readonly backupSeconds: number;
}

export const DEFAULT_COST_MODEL: CostModel = {
  migrationMiBps: 1100,
  migrationOverheadSeconds: 5,
  concurrentMigrationsPerHost: 2,
  blackoutBaseMs: 30,
  blackoutPerGiBMs: 5,
  coldMigrationBaseSeconds: 60,
  switchOverGapMs: 50,
  apiStepSeconds: 2,
  backupSeconds: 30,
};

export function liveMigrationSeconds(
  memoryMiB: number,
  cost: CostModel = DEFAULT_COST_MODEL,
): number {
  return cost.migrationOverheadSeconds + memoryMiB / cost.migrationMiBps;
}

export function liveMigrationBlackoutMs(
  memoryMiB: number,
  cost: CostModel = DEFAULT_COST_MODEL,
): number {
  return Math.round(cost.blackoutBaseMs + (memoryMiB / 1024) * cost.blackoutPerGiBMs);
}

export function coldMigrationSeconds(
  memoryMiB: number,
  cost: CostModel = DEFAULT_COST_MODEL,
): number {
  return cost.coldMigrationBaseSeconds + memoryMiB / cost.migrationMiBps;
}
