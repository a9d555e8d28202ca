/**
 * drivers/sim/: the digital twin. `SimDriver` implements the `Driver` interface on a virtual
 * clock; `generateCloud` makes realistic clouds to run it on; scenarios inject faults.
 *
 *   new SimDriver(inventory, { scenario, durations, cost, vnfm, scaleUp })
 *   scenarioFromText(text, file) / scenarioFromData(data) / loadScenario(path)
 */
export {
  SimDriver,
  DEFAULT_DURATIONS,
  DEFAULT_SCALE_UP,
  durationsFromCatalog,
  schedulingReason,
  type NoticeRecord,
  type SideEffectKind,
  type SimDurations,
  type SimOptions,
} from './driver.js';
export { VirtualClock, type TimerHandle } from './clock.js';
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
