/**
 * `escalator apply | status | suspend | resume | abort | rollback | restore | commit | report`:
 * the engine's commands. Each opens the store and, when it acts on the cloud, the driver — the
 * `sim` twin, persisted next to the database so that a killed `apply` resumes against the same
 * world and a later `rollback` in another process sees it — then prints and exits with the code
 * of what happened (docs/errors.md).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import { loadCampaign, loadCatalog } from '../campaign/index.js';
import type { Driver } from '../drivers/driver.js';
import type { OpenStackDriver } from '../drivers/openstack/driver.js';
import type { PersistentSim } from '../drivers/sim/persist.js';
import { hostname } from 'node:os';
import type { Engine, ProgressEvent, RunOutcome } from '../engine/engine.js';
import type { EngineLog } from '../engine/log.js';
import type { RunReport } from '../engine/report.js';
import {
  EscalatorError,
  STRATEGIES,
  type Campaign,
  type Catalog,
  type Inventory,
} from '../model/index.js';
import type { RunRecord, Store } from '../store/index.js';
import { DEFAULT_DB_PATH, parseTarget } from '../store/target.js';
import { formatReport, formatRuns } from './format-run.js';
import { loadPlanningInput, type PlanningFiles } from './inputs.js';
import { documentDigest, readRunDocuments } from './planning-input.js';
import type { PlanningInput } from '../planner/index.js';

/**
 * The store, the engine and the twin, loaded when a command runs: `plan`, `check` and
 * `validate` share this program and must not pay for them at start-up (~0.3 s).
 */
const deps = () => import('./run-deps.js');

type Output = 'table' | 'json';

interface CommonOptions {
  readonly db?: string;
  readonly log?: string;
  readonly output: Output;
}

interface DriverOptions extends CommonOptions {
  readonly cloud?: string;
  readonly twin?: string;
  readonly scenario?: string;
  readonly inventory?: string;
}

const outputOption = () =>
  new Option('-o, --output <format>', 'table for people, json for programs')
    .choices(['table', 'json'] as const)
    .default('table' as const);

/** Where the database is, so that the twin's state and the log sit beside it. */
function stateFolder(db?: string): string {
  const target = parseTarget(db);
  return target.dialect === 'sqlite' ? dirname(target.path) : dirname(DEFAULT_DB_PATH);
}

const twinPath = (o: { db?: string; twin?: string }): string =>
  o.twin ?? join(stateFolder(o.db), 'sim-twin.jsonl');

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, process.stdout.isTTY ? 2 : undefined)}\n`);
}

/**
 * `apply` started again with the documents of a run it left live (after a crash, say): they
 * were validated when that run began, and its twin was made from this very inventory document,
 * which the twin recognises by its digest; so the catalog and campaign are only read, not
 * validated again, and the inventory (megabytes) is not even parsed — at 1,000 hosts that is a
 * fifth of a restart. Undefined unless the twin and the database exist, the documents read
 * cleanly and a live run has this campaign and catalog; then they are validated as always (and
 * so they are when the twin does not know the digest).
 */
async function unchangedRunInput(
  s: Session,
  o: DriverOptions,
  files: PlanningFiles,
): Promise<
  | {
      catalog: Catalog;
      campaign: Campaign;
      inventorySource: string;
    }
  | undefined
> {
  const target = parseTarget(o.db);
  if (!existsSync(twinPath(o)) || (target.dialect === 'sqlite' && !existsSync(target.path)))
    return undefined;
  const input = await readRunDocuments(files).catch(() => undefined);
  if (input === undefined) return undefined;
  const { isLive, latestRunOf, openStore } = await deps();
  s.store = await openStore(o.db);
  const latest = await latestRunOf(s.store, input.campaign, input.catalog);
  return latest !== undefined && isLive(latest) ? input : undefined;
}

/**
 * The inventory and the digest of its document, the digest only when the document did not
 * change while it was loaded (so that the twin made from it can be recognised by the digest).
 */
async function loadWithSource(
  files: PlanningFiles,
): Promise<{ input: PlanningInput; inventorySource: string | undefined }> {
  const unread = (): Promise<undefined> => Promise.resolve(undefined);
  const before = await documentDigest(files.inventory).catch(unread);
  const input = await loadPlanningInput(files);
  const after = await documentDigest(files.inventory).catch(unread);
  return { input, inventorySource: before !== undefined && before === after ? before : undefined };
}

/** Everything a command holds open, closed in order whatever happens. */
class Session {
  store?: Store;
  twin?: PersistentSim;
  cloud?: OpenStackDriver;
  log?: EngineLog;

  async close(): Promise<void> {
    this.log?.flush();
    if (this.twin) {
      // Compact the twin's history when it has grown enough to slow the next command's start
      // (and nothing is in flight): the same rule as between waves.
      this.twin.settled();
      this.twin.close();
    }
    await this.cloud?.close();
    await this.store?.close();
  }
}

/** The real cloud an OpenStackTarget document describes. */
async function openCloud(s: Session, file: string | undefined): Promise<OpenStackDriver> {
  if (file === undefined)
    throw new EscalatorError(
      'ESC_USAGE',
      'the openstack target needs --cloud FILE (an OpenStackTarget document: Keystone, credentials, SSH)',
    );
  const { loadTarget, openOpenStack } = await import('../drivers/openstack/index.js');
  s.cloud = openOpenStack(await loadTarget(file));
  return s.cloud;
}

/** The driver a run executes on: the one it was started on. */
async function driverForRun(
  s: Session,
  run: RunRecord,
  o: DriverOptions,
  catalog: Catalog,
): Promise<Driver> {
  if (run.target === 'openstack') return openCloud(s, o.cloud);
  if (run.target !== 'sim')
    throw new EscalatorError(
      'ESC_USAGE',
      `run ${run.id} was started on ${run.target}, which this Escalator cannot drive`,
    );
  return openTwin(s, o, catalog, undefined);
}

async function withSession<T>(work: (s: Session) => Promise<T>): Promise<T> {
  const s = new Session();
  try {
    return await work(s);
  } finally {
    await s.close();
  }
}

/**
 * Opens the twin (creating it from an inventory, or checking it was made from that inventory or
 * from the document with that digest); without `from`, the twin must exist.
 */
async function openTwin(
  s: Session,
  o: DriverOptions,
  catalog: Catalog | undefined,
  from: { inventory: Inventory; source?: string } | { source: string } | undefined,
): Promise<PersistentSim> {
  const path = twinPath(o);
  const { durationsFromCatalog, loadScenario, openPersistentSim } = await deps();
  const scenario = o.scenario === undefined ? undefined : await loadScenario(o.scenario);
  const options = {
    ...(scenario === undefined ? {} : { scenario }),
    ...(catalog === undefined ? {} : { durations: durationsFromCatalog(catalog) }),
  };
  s.twin = await openPersistentSim(
    path,
    from === undefined ? undefined : { ...from, options },
  ).catch((error: unknown) => {
    if (from === undefined && error instanceof EscalatorError && /no sim state/.test(error.message))
      throw new EscalatorError(
        'ESC_USAGE',
        `there is no simulated cloud at ${path} yet: give --inventory FILE to start one from an inventory`,
      );
    throw error;
  });
  return s.twin;
}

async function engineFor(
  s: Session,
  o: CommonOptions,
  driver: Driver,
  quiet = false,
): Promise<Engine> {
  if (!s.store) throw new EscalatorError('ESC_INTERNAL', 'the store is not open');
  const { Engine, jsonLog } = await deps();
  s.log = jsonLog(o.log ?? join(stateFolder(o.db), 'escalator.log'));
  const progress = quiet || o.output === 'json' ? undefined : new Progress();
  return new Engine({
    store: s.store,
    driver,
    log: s.log,
    ...(progress ? { onProgress: (e: ProgressEvent) => progress.show(e) } : {}),
  });
}

/** Progress for a person: one line per wave and per problem; a live line on a terminal. */
class Progress {
  private readonly tty = process.stdout.isTTY === true;
  private steps = 0;
  private worst = 0;
  private wave = '';

  show(e: ProgressEvent): void {
    switch (e.kind) {
      case 'wave':
        this.clear();
        this.wave = `wave ${e.index + 1}/${e.of}`;
        print(
          `${e.direction === 'forward' ? '▶' : '◀'} ${this.wave}: ${e.hosts.length} host(s) ${e.hosts.slice(0, 6).join(', ')}${e.hosts.length > 6 ? ', …' : ''}`,
        );
        return;
      case 'step':
        this.steps++;
        if (e.code) {
          this.clear();
          print(`  ✗ ${e.host}: ${e.message ?? e.code} [${e.code}]`);
        } else this.live();
        return;
      case 'interruption':
        this.worst = Math.max(this.worst, e.ms);
        return;
      case 'replan':
        this.clear();
        print(`  ↻ re-planned: ${e.reason}`);
        return;
      case 'run':
        this.clear();
        print(`run ${e.run}: ${e.state}`);
        return;
      case 'host':
        return;
    }
  }

  private live(): void {
    if (!this.tty) return;
    process.stdout.write(
      `\r  ${this.wave} · ${this.steps} step changes · longest VNF interruption ${this.worst} ms   `,
    );
  }

  private clear(): void {
    if (this.tty) process.stdout.write('\r\x1b[K');
  }
}

async function findRun(store: Store, id: string | undefined): Promise<RunRecord> {
  if (id !== undefined) {
    const run = await store.getRun(id);
    if (!run)
      throw new EscalatorError('ESC_NOT_FOUND', `there is no run ${id} in ${store.location}`);
    return run;
  }
  const [latest] = await store.listRuns({ newestFirst: true, limit: 1 });
  if (!latest)
    throw new EscalatorError(
      'ESC_NOT_FOUND',
      `there is no run in ${store.location}: start one with \`escalator apply\``,
    );
  return latest;
}

async function finish(s: Session, o: CommonOptions, outcome: RunOutcome): Promise<void> {
  const store = s.store as Store;
  const report = await (
    await deps()
  ).buildReport(store, await store.getRun(outcome.run.id).then((r) => r ?? outcome.run));
  if (o.output === 'json')
    printJson({
      report,
      ...(outcome.note ? { note: outcome.note } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
    });
  else print(`${outcome.note ? `${outcome.note}\n\n` : ''}${formatReport(report)}`);
  if (outcome.error) throw new EscalatorError(outcome.error.code, outcome.error.message);
}

export function addRunCommands(program: Command): void {
  program
    .command('apply')
    .description(
      'Carry a campaign out: plan it against the cloud, then execute wave by wave with every step journaled. Run it again after a crash: it continues the same run.',
    )
    .requiredOption('-c, --campaign <file>', 'Campaign document (YAML or JSON)')
    .requiredOption('-k, --catalog <file>', 'Catalog document (YAML or JSON)')
    .option(
      '-i, --inventory <file>',
      'start a simulated cloud (the digital twin) from this inventory; omit to use the one already started',
    )
    .addOption(
      new Option('--target <driver>', 'what executes the steps')
        .choices(['sim', 'openstack'] as const)
        .default('sim' as const),
    )
    .option('--cloud <file>', 'with --target openstack: the OpenStackTarget document')
    .addOption(
      new Option('-s, --strategy <strategy>', 'how to form waves')
        .choices(STRATEGIES)
        .default('optimised' as const),
    )
    .option('--force', 'start although the check found blockers (the plan leaves those hosts out)')
    .option('--db <path|url>', `SQLite file or postgres:// URL (default ${DEFAULT_DB_PATH})`)
    .option('--twin <file>', 'the simulated cloud’s state file (default: beside the database)')
    .option('--scenario <file>', 'faults for the simulated cloud (a Scenario document)')
    .option(
      '--log <file>',
      'JSON-lines log (default: escalator.log beside the database; - for stderr)',
    )
    .addOption(outputOption())
    .action(async (o) =>
      withSession(async (s) => {
        if (o.target === 'openstack') {
          if (o.inventory !== undefined || o.scenario !== undefined || o.twin !== undefined)
            throw new EscalatorError(
              'ESC_USAGE',
              '--inventory, --scenario and --twin are for the simulated cloud; the openstack target discovers its inventory',
            );
          const catalog = await loadCatalog(o.catalog);
          const cloud = await openCloud(s, o.cloud);
          const inventory = await cloud.discover();
          const campaign = await loadCampaign(o.campaign, { inventory, catalog });
          s.store = await (await deps()).openStore(o.db);
          return applyWith(s, o, cloud, campaign, catalog);
        }
        if (o.inventory !== undefined) {
          const files = { inventory: o.inventory, catalog: o.catalog, campaign: o.campaign };
          const unchanged = await unchangedRunInput(s, o, files);
          const twin =
            unchanged &&
            (await openTwin(s, o, unchanged.catalog, { source: unchanged.inventorySource }).catch(
              () => undefined,
            ));
          if (unchanged && twin)
            return applyWith(s, o, twin, unchanged.campaign, unchanged.catalog);
          const { input, inventorySource } = await loadWithSource(files);
          s.store ??= await (await deps()).openStore(o.db);
          const from = {
            inventory: input.inventory,
            ...(inventorySource === undefined ? {} : { source: inventorySource }),
          };
          return applyWith(
            s,
            o,
            await openTwin(s, o, input.catalog, from),
            input.campaign,
            input.catalog,
          );
        }
        const catalog = await loadCatalog(o.catalog);
        s.store = await (await deps()).openStore(o.db);
        const twin = await openTwin(s, o, catalog, undefined);
        const campaign = await loadCampaign(o.campaign, {
          inventory: await twin.discover(),
          catalog,
        });
        return applyWith(s, o, twin, campaign, catalog);
      }),
    );

  async function applyWith(
    s: Session,
    o: DriverOptions & { strategy: (typeof STRATEGIES)[number]; force?: true },
    driver: Driver,
    campaign: Awaited<ReturnType<typeof loadCampaign>>,
    catalog: Catalog,
  ): Promise<void> {
    const engine = await engineFor(s, o, driver);
    const outcome = await engine.apply({
      campaign,
      catalog,
      strategy: o.strategy,
      force: o.force === true,
    });
    await finish(s, o, outcome);
  }

  const operation = (name: 'resume' | 'abort' | 'rollback' | 'restore', description: string) =>
    program
      .command(name)
      .description(description)
      .argument('[run]', 'run id (default: the latest run)')
      .option('--db <path|url>', `SQLite file or postgres:// URL (default ${DEFAULT_DB_PATH})`)
      .option('--cloud <file>', 'for a run on openstack: the OpenStackTarget document')
      .option('--twin <file>', 'the simulated cloud’s state file (default: beside the database)')
      .option('--scenario <file>', 'faults for the simulated cloud (a Scenario document)')
      .option(
        '--log <file>',
        'JSON-lines log (default: escalator.log beside the database; - for stderr)',
      )
      .addOption(outputOption())
      .action(async (id: string | undefined, o) =>
        withSession(async (s) => {
          s.store = await (await deps()).openStore(o.db);
          const run = await findRun(s.store, id);
          const doc = (await deps()).readRunDocument(run.id, await s.store.getPlan(run.id));
          const driver = await driverForRun(s, run, o, doc.catalog);
          const engine = await engineFor(s, o, driver);
          await finish(s, o, await engine[name](run.id));
        }),
      );
  operation('resume', 'Continue a suspended run; after a failure the failed step runs again.');
  operation(
    'abort',
    'Stop the run: finish the current steps, put the hosts in progress back, restore the scale-up setting.',
  );
  operation(
    'rollback',
    'Undo the run (after a failure or after success): every executed step in reverse, wave by wave, under the same safety rules.',
  );
  operation('restore', 'Bring the upgraded hosts back from the backups taken before the change.');

  /** A command that changes a run's state in the store only: any process may ask it. */
  const storeOnly = (
    name: 'suspend' | 'commit',
    description: string,
    act: (store: Store, run: string, by: string) => Promise<RunRecord>,
    said: (run: RunRecord) => string,
  ) =>
    program
      .command(name)
      .description(description)
      .argument('[run]', 'run id (default: the latest run)')
      .option('--db <path|url>', `SQLite file or postgres:// URL (default ${DEFAULT_DB_PATH})`)
      .addOption(outputOption())
      .action(async (id: string | undefined, o) =>
        withSession(async (s) => {
          s.store = await (await deps()).openStore(o.db);
          const run = await findRun(s.store, id);
          const next = await act(s.store, run.id, `${hostname()}/${process.pid}`);
          if (o.output === 'json') printJson({ run: next.id, state: next.state });
          else print(said(next));
        }),
      );
  storeOnly(
    'suspend',
    'Pause the run after its current steps (the executing process sees it).',
    async (store, run, by) => (await deps()).suspendRun(store, run, by),
    (r) => `run ${r.id}: ${r.state}`,
  );
  storeOnly(
    'commit',
    'End the rollback window: the run can no longer be rolled back; its backups are deleted.',
    async (store, run, by) => (await deps()).commitRun(store, run, by),
    (r) => `run ${r.id}: ${r.state} — backups deleted, the rollback window is closed`,
  );

  program
    .command('status')
    .description('The runs in the database, or one run: its state, hosts, steps and interruptions.')
    .argument('[run]', 'run id (default: list the runs)')
    .option('--db <path|url>', `SQLite file or postgres:// URL (default ${DEFAULT_DB_PATH})`)
    .addOption(outputOption())
    .action(async (id: string | undefined, o) =>
      withSession(async (s) => {
        s.store = await (await deps()).openStore(o.db);
        if (id === undefined) {
          const runs = await s.store.listRuns({ newestFirst: true, limit: 50 });
          if (o.output === 'json')
            printJson(
              runs.map((r) => ({
                run: r.id,
                campaign: r.campaignName,
                state: r.state,
                target: r.target,
                createdAt: r.createdAt,
                updatedAt: r.updatedAt,
              })),
            );
          else print(formatRuns(runs));
          return;
        }
        const report = await (await deps()).buildReport(s.store, await findRun(s.store, id));
        if (o.output === 'json') printJson(report);
        else print(formatReport(report));
      }),
    );

  program
    .command('report')
    .description(
      'The run report: hosts, migrations, measured interruption per VNF, step durations, predicted vs actual time.',
    )
    .argument('[run]', 'run id (default: the latest run)')
    .option('--db <path|url>', `SQLite file or postgres:// URL (default ${DEFAULT_DB_PATH})`)
    .addOption(outputOption())
    .action(async (id: string | undefined, o) =>
      withSession(async (s) => {
        s.store = await (await deps()).openStore(o.db);
        const report: RunReport = await (
          await deps()
        ).buildReport(s.store, await findRun(s.store, id));
        if (o.output === 'json') printJson(report);
        else print(formatReport(report));
      }),
    );
}

/** `escalator inventory export`: the inventory of a real cloud (or of the twin) as a document. */
export function addInventoryCommands(program: Command): void {
  const inventory = program
    .command('inventory')
    .description(
      'Read the inventory of a cloud: to check and plan on it, or rehearse on the twin.',
    );
  inventory
    .command('export')
    .description(
      'Discover a cloud and write its Inventory document: hosts, capacity, components, servers, server groups as VNFs.',
    )
    .addOption(
      new Option('--from <driver>', 'where to read it from')
        .choices(['openstack', 'sim'] as const)
        .default('openstack' as const),
    )
    .option('--cloud <file>', 'with --from openstack: the OpenStackTarget document')
    .option('--twin <file>', 'with --from sim: the simulated cloud’s state file')
    .addOption(
      new Option('--format <format>', 'file format')
        .choices(['yaml', 'json'] as const)
        .default('yaml' as const),
    )
    .option('--out <file>', 'write it to this file (default: standard output)')
    .action(async (o) =>
      withSession(async (s) => {
        let found: Inventory;
        let source: string;
        if (o.from === 'openstack') {
          const cloud = await openCloud(s, o.cloud);
          found = await cloud.discover();
          source = `discovered from OpenStack (${o.cloud ?? ''})`;
        } else {
          if (o.twin === undefined)
            throw new EscalatorError('ESC_USAGE', 'with --from sim, give --twin FILE');
          s.twin = await (await deps()).openPersistentSim(o.twin);
          found = await s.twin.discover();
          source = `exported from the twin ${o.twin}`;
        }
        const { inventoryDocument } = await import('../campaign/inventory-document.js');
        const doc = inventoryDocument(found, `${source} at ${new Date().toISOString()}`);
        const { documentYaml } = await import('../campaign/yaml-lib.js');
        const text = o.format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : documentYaml(doc);
        if (o.out === undefined) process.stdout.write(text);
        else {
          await writeFile(o.out, text);
          print(
            `Wrote ${o.out}: ${found.hosts.length} hosts, ${found.instances.length} instances, ${found.vnfs.length} VNFs.`,
          );
        }
      }),
    );
}

/**
 * The demo's run: the campaign carried out on an in-memory twin of the generated cloud, journaled
 * to a database (a temporary SQLite file unless `db` is given), then the report.
 */
export async function demoRun(
  input: { readonly inventory: Inventory; readonly catalog: Catalog; readonly campaign: Campaign },
  db: string | undefined,
): Promise<void> {
  const folder = db === undefined ? await mkdtemp(join(tmpdir(), 'escalator-demo-')) : undefined;
  try {
    const { Engine, SimDriver, durationsFromCatalog, jsonLog, openStore } = await deps();
    await withSession(async (s) => {
      s.store = await openStore(db ?? join(folder as string, 'demo.db'));
      const twin = new SimDriver(input.inventory, {
        durations: durationsFromCatalog(input.catalog),
      });
      s.log = jsonLog(join(folder ?? stateFolder(db), 'escalator.log'));
      const progress = new Progress();
      const engine = new Engine({
        store: s.store,
        driver: twin,
        log: s.log,
        onProgress: (e) => progress.show(e),
      });
      const before = await twin.getScaleUp();
      const outcome = await engine.apply({ campaign: input.campaign, catalog: input.catalog });
      await finish(s, { output: 'table' }, outcome);
      const after = await twin.getScaleUp();
      print(
        `Scale-up: ${JSON.stringify(before)} before, ${JSON.stringify(after)} after${JSON.stringify(before) === JSON.stringify(after) ? ' — put back exactly' : ' — DIFFERENT'}; side effects applied twice: ${twin.duplicates().length}.`,
      );
    });
  } finally {
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  }
}
