/**
 * What the run commands need when they run and the planning commands never do: the store (Kysely,
 * SQLite, pg), the engine and the twin. run-commands.ts loads this module on first use.
 */
export { openStore } from '../store/index.js';
export { openPersistentSim } from '../drivers/sim/persist.js';
export { loadScenario } from '../drivers/sim/scenario-file.js';
export { SimDriver, durationsFromCatalog } from '../drivers/sim/driver.js';
export { commitRun, suspendRun } from '../engine/control.js';
export { Engine, isLive, latestRunOf } from '../engine/engine.js';
export { jsonLog } from '../engine/log.js';
export { buildReport } from '../engine/report.js';
export { readRunDocument } from '../engine/run-document.js';
