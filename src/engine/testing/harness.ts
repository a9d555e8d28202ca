/**
 * The engine's test harness: a generated cloud on the digital twin, a store (SQLite in a temp
 * folder, or a PostgreSQL database), and the engine over both.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCloud, type GenerateOptions } from '../../drivers/sim/generate.js';
import { compileCloud, type CompiledCloud } from '../../drivers/sim/compile-cloud.js';
import { SimDriver, type SimOptions } from '../../drivers/sim/driver.js';
import type { Campaign } from '../../model/index.js';
import { openStore, type Store } from '../../store/index.js';
import { Engine, type EngineOptions, type ProgressEvent } from '../engine.js';
import { MemoryLog } from '../log.js';

export interface Harness {
  readonly cloud: CompiledCloud;
  readonly sim: SimDriver;
  readonly store: Store;
  readonly engine: Engine;
  readonly log: MemoryLog;
  readonly events: ProgressEvent[];
  /** A new engine over the same store and twin (a restarted process). */
  restart(options?: Partial<EngineOptions>): Engine;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly cloud?: Partial<GenerateOptions>;
  readonly sim?: SimOptions;
  /** Changes to the generated campaign. */
  readonly campaign?: (c: Campaign) => Campaign;
  /** A store target (PostgreSQL URL); default a SQLite file in a temp folder. */
  readonly db?: string;
}

export async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const generated = compileCloud(generateCloud({ hosts: 24, seed: 7, ...options.cloud }));
  const cloud: CompiledCloud = {
    ...generated,
    campaign: options.campaign ? options.campaign(generated.campaign) : generated.campaign,
  };
  const sim = new SimDriver(cloud.inventory, options.sim);
  const folder = await mkdtemp(join(tmpdir(), 'escalator-engine-'));
  const store = await openStore(options.db ?? join(folder, 'escalator.db'));
  const log = new MemoryLog();
  const events: ProgressEvent[] = [];
  const make = (o: Partial<EngineOptions> = {}) =>
    new Engine({ store, driver: sim, log, onProgress: (e) => events.push(e), ...o });
  return {
    cloud,
    sim,
    store,
    engine: make(),
    log,
    events,
    restart: make,
    async close() {
      await store.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}
