/**
 * drivers/sim/: the digital twin. `SimDriver` implements the `Driver` interface on a virtual
 * clock; `generateCloud` makes realistic clouds to run it on; scenarios inject faults.
 *
 *   new SimDriver(inventory, { scenario, durations, cost, vnfm, scaleUp })
 *   await openPersistentSim(path, { inventory, options })   // the same twin, kept in a file
 *   scenarioFromText(text, file) / scenarioFromData(data) / loadScenario(path)
 */
export {
  SimDriver,
  DEFAULT_DURATIONS,
  DEFAULT_SCALE_UP,
  durationsFromCatalog,
  schedulingReason,
  type NoticeRecord,
  type SavedError,
  type SideEffectKind,
  type SimJournal,
  type SimState,
  type SimDurations,
  type SimOptions,
} from './driver.js';
export { VirtualClock, type ClockPosition, type EventOptions, type TimerHandle } from './clock.js';
export {
  PersistentSim,
  SIM_STATE_FORMAT,
  SIM_STATE_VERSION,
  loadSimState,
  openPersistentSim,
  type PersistentSimOptions,
  type SimInit,
} from './persist.js';
export type { VnfmBehaviour } from './faults.js';
export {
  DRIVER_OPERATIONS,
  ScenarioDocumentSchema,
  compileScenario,
  scenarioFromData,
  scenarioFromDocument,
  scenarioFromText,
  type DriverOperation,
  type Fault,
  type Scenario,
  type ScenarioDocument,
} from './scenario.js';
export { loadScenario } from './scenario-file.js';
export { generateCloud, type GenerateOptions, type GeneratedCloud } from './generate.js';
