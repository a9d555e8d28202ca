/**
 * What each step of a host operation does through the driver, forward (upgrade) and backward
 * (compensation). Every side effect carries an idempotency key derived from the step's key and
 * attempt, so running a step again after a crash asks the driver again with the same key and
 * gets the first outcome instead of acting twice. Retryable driver failures are retried here
 * with backoff under the same key; anything else becomes a StepFailure with an error code.
 */
import {
  DriverError,
  schedulingReason,
  type Driver,
  type HostHealth,
  type MigrationStatus,
  type OperationContext,
  type VnfmAnswer,
} from '../drivers/driver.js';
import type {
  Campaign,
  ErrorCode,
  HostOperation,
  InstanceAction,
  Json,
  Step,
} from '../model/index.js';

/** A step that did not succeed, with the code the operator sees. */
export class StepFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: Json,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

export interface ActionContext {
  readonly driver: Driver;
  readonly campaign: Campaign;
  readonly runId: string;
  readonly op: HostOperation;
  /** The idempotency key of this execution of the step (step key and attempt). */
  readonly key: string;
  /** Seconds between two looks at a running migration. */
  readonly pollSeconds: number;
  /**
   * Told of driver time spent waiting out retryable driver failures (the failed call and the
   * backoff after it): that time is the infrastructure's, not the step's, so the step's hang
   * timeout is extended by it.
   */
  readonly onRetryWait?: (seconds: number) => void;
}

/** What a forward step reports: its detail for the journal and whether to skip the host. */
export interface StepOutcome {
  readonly detail: { readonly [k: string]: Json };
  readonly skipHost?: boolean;
}

/**
 * How retryable driver failures are retried: exponential backoff from `firstSeconds`, at most
 * `maxSeconds` apart, until `giveUpAfterSeconds` of driver time have passed since the first try.
 * A cloud API that is away for a few minutes (a controller restarting during its own upgrade)
 * is waited out; one away for longer stops the step with the driver's last error.
 */
export const RETRY_POLICY = {
  firstSeconds: 1,
  maxSeconds: 60,
  giveUpAfterSeconds: 900,
} as const;

/**
 * The driver call, retried with backoff (driver time) while its failure is retryable and the
 * policy's time is not up. `onWait` is told how long each failed try and its backoff took.
 */
export async function retrying<T>(
  driver: Driver,
  call: () => Promise<T>,
  onWait?: (seconds: number) => void,
): Promise<T> {
  const started = driver.now();
  for (let attempt = 0; ; attempt++) {
    const tried = driver.now();
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof DriverError) || !error.retryable) throw error;
      if (driver.now() - started >= RETRY_POLICY.giveUpAfterSeconds) throw error;
      const wait = Math.min(RETRY_POLICY.maxSeconds, RETRY_POLICY.firstSeconds * 2 ** attempt);
      onWait?.(driver.now() - tried + wait);
      await driver.sleep(wait);
    }
  }
}

function ctxOf(c: ActionContext, suffix?: string): OperationContext {
  return {
    idempotencyKey: suffix === undefined ? c.key : `${c.key}/${suffix}`,
    campaign: c.campaign.name,
    run: c.runId,
  };
}

/** A driver failure as the step's failure. */
export function asFailure(error: unknown, code: ErrorCode = 'ESC_STEP_FAILED'): StepFailure {
  if (error instanceof StepFailure) return error;
  if (error instanceof DriverError)
    return new StepFailure(code, error.message, { driver: error.kind, subject: error.subject });
  return new StepFailure('ESC_INTERNAL', error instanceof Error ? error.message : String(error));
}

const byVnf = (actions: readonly InstanceAction[]): Map<string, string[]> => {
  const m = new Map<string, string[]>();
  for (const a of actions)
    if (a.vnf !== undefined) m.set(a.vnf, [...(m.get(a.vnf) ?? []), a.instance]);
  return m;
};

const isMigration = (a: InstanceAction): boolean =>
  a.kind === 'live-migrate' || a.kind === 'cold-migrate';

// ------------------------------------------------------------------------- forward

export async function runStep(c: ActionContext, step: Step): Promise<StepOutcome> {
  const t0 = c.driver.now();
  const outcome = await runStepKind(c, step);
  return { ...outcome, detail: { ...outcome.detail, t0, t1: c.driver.now() } };
}

async function runStepKind(c: ActionContext, step: Step): Promise<StepOutcome> {
  const { driver, op } = c;
  switch (step.kind) {
    case 'notify-vnfm':
      return notifyVnfms(c);
    case 'disable-scheduling':
      await disableScheduling(c);
      return { detail: {} };
    case 'evacuate':
      return evacuate(c);
    case 'backup': {
      const ref = await call(c, () => driver.backup(op.host, c.campaign.backup, ctxOf(c)));
      return { detail: { ref: ref.ref, items: [...ref.items] } };
    }
    case 'install': {
      if (step.component === undefined || step.to === undefined)
        throw new StepFailure('ESC_INTERNAL', `install step of ${op.host} names no component`);
      const component = step.component;
      const version = step.to;
      const r = await call(c, () =>
        driver.hostAction(op.host, { kind: 'install', component, version }, ctxOf(c)),
      );
      return { detail: { output: r.output } };
    }
    case 'activate': {
      const component = step.component;
      const r =
        step.activation === 'reboot' || component === undefined
          ? await call(c, () => driver.hostAction(op.host, { kind: 'reboot' }, ctxOf(c)), 'reboot')
          : await call(c, () =>
              driver.hostAction(op.host, { kind: 'restart', component }, ctxOf(c)),
            );
      return { detail: { output: r.output } };
    }
    case 'verify':
      return verifyHost(
        c,
        Object.fromEntries(op.changes.map((ch) => [ch.component, ch.to])),
        c.campaign.verify,
      );
    case 'restore-instances': {
      const stopped = op.instanceActions.filter((a) => a.kind === 'stop-start');
      await Promise.all(
        stopped.map((a) => call(c, () => driver.startInstance(a.instance, ctxOf(c, a.instance)))),
      );
      return { detail: { started: stopped.map((a) => a.instance) } };
    }
    case 'enable-scheduling':
      await call(c, () => driver.setScheduling(op.host, { enabled: true }, ctxOf(c)));
      return { detail: {} };
    case 'notify-complete':
      await notifyComplete(c);
      return { detail: {} };
  }
}

/** A driver call, retried while retryable, its failure typed. */
async function call<T>(c: ActionContext, fn: () => Promise<T>, what?: 'reboot'): Promise<T> {
  try {
    return await retrying(c.driver, fn, c.onRetryWait);
  } catch (error) {
    if (what === 'reboot' && error instanceof DriverError && error.kind === 'failed')
      throw asFailure(error, 'ESC_HOST_LOST');
    if (error instanceof DriverError && error.kind === 'rejected' && /is down/.test(error.message))
      throw asFailure(error, 'ESC_HOST_LOST');
    throw asFailure(error);
  }
}

function disableScheduling(c: ActionContext): Promise<unknown> {
  return call(c, () =>
    c.driver.setScheduling(
      c.op.host,
      { enabled: false, reason: schedulingReason(c.campaign.name) },
      ctxOf(c),
    ),
  );
}

async function notifyVnfms(c: ActionContext): Promise<StepOutcome> {
  const { driver, op, campaign } = c;
  const started = driver.now();
  const groups = [...byVnf(op.instanceActions)];
  const answers = await Promise.all(
    groups.map(async ([vnf, instances]) => {
      const answer = await call(c, () =>
        driver.notifyVnfm(
          {
            vnf,
            host: op.host,
            instances,
            leadTime: campaign.coordination.leadTime,
            deadline: campaign.coordination.ackTimeout,
          },
          ctxOf(c, vnf),
        ),
      );
      return [vnf, answer] as const;
    }),
  );
  const detail: { [vnf: string]: Json } = {};
  for (const [vnf, a] of answers) detail[vnf] = answerText(a);
  const nacks = answers.filter(([, a]) => a.kind === 'nack');
  if (nacks.length > 0)
    throw new StepFailure(
      'ESC_VNFM_REFUSED',
      `the VNF manager of ${nacks
        .map(
          ([vnf, a]) =>
            `${vnf} refused maintenance of ${op.host}: ${a.kind === 'nack' ? a.reason : ''}`,
        )
        .join('; ')}`,
      { answers: detail },
    );
  const silent = answers.filter(([, a]) => a.kind === 'silent').map(([vnf]) => vnf);
  if (silent.length > 0) {
    const onNoAck = campaign.coordination.onNoAck;
    if (onNoAck === 'pause')
      throw new StepFailure(
        'ESC_VNFM_SILENT',
        `no answer from the VNF manager of ${silent.join(', ')} within ${campaign.coordination.ackTimeout}s for ${op.host} (coordination.onNoAck: pause)`,
        { answers: detail },
      );
    if (onNoAck === 'skip-host')
      return { detail: { answers: detail, skipped: silent }, skipHost: true };
  }
  // The notice promised `leadTime` seconds before the instances are affected.
  const left = campaign.coordination.leadTime - (driver.now() - started);
  if (left > 0) await driver.sleep(left);
  return { detail: { answers: detail } };
}

function answerText(a: VnfmAnswer): string {
  return a.kind === 'nack' ? `nack: ${a.reason}` : a.kind;
}

async function notifyComplete(c: ActionContext): Promise<void> {
  const { driver, op } = c;
  await Promise.all(
    [...byVnf(op.instanceActions)].map(([vnf, instances]) =>
      call(c, () =>
        driver.notifyVnfm(
          {
            vnf,
            host: op.host,
            instances,
            leadTime: 0,
            deadline: c.campaign.coordination.ackTimeout,
            phase: 'complete',
          },
          ctxOf(c, vnf),
        ),
      ),
    ),
  );
}

async function evacuate(c: ActionContext): Promise<StepOutcome> {
  const { driver, op } = c;
  const stops = op.instanceActions.filter((a) => a.kind === 'stop-start');
  await Promise.all(
    stops.map((a) => call(c, () => driver.stopInstance(a.instance, ctxOf(c, a.instance)))),
  );
  const moves = op.instanceActions.filter(isMigration);
  const results = await Promise.all(
    moves.map((a) =>
      migrateInstance(c, a.instance, a.kind === 'cold-migrate' ? 'cold' : 'live', a.to),
    ),
  );
  const failed = results.filter((r) => r.state !== 'completed');
  const detail = {
    migrated: results.filter((r) => r.state === 'completed').length,
    stopped: stops.map((a) => a.instance),
    moves: results.map((r) => ({
      instance: r.instance,
      to: r.destination ?? null,
      state: r.state,
    })),
  };
  if (failed.length > 0)
    throw new StepFailure(
      'ESC_MIGRATION_FAILED',
      `${failed.length} instance(s) could not leave ${op.host}: ${failed
        .slice(0, 3)
        .map((f) => `${f.instance} (${f.error ?? f.state})`)
        .join(', ')}${failed.length > 3 ? ', …' : ''}`,
      detail,
    );
  return { detail };
}

/** Seconds before each new try of a migration that failed: 30 s, then 90 s, then 120 s. */
export const MIGRATION_RETRY_WAIT_SECONDS: readonly number[] = [30, 90, 120];

/**
 * Migrates one instance and watches it to the end. A failed migration is tried again (a new key
 * each time) twice more towards the planned destination, after the waits above, then — when
 * `anywhere` — once with the scheduler's choice: the scheduler honours anti-affinity and never
 * picks a disabled host.
 */
export async function migrateInstance(
  c: ActionContext,
  instance: string,
  mode: 'live' | 'cold',
  destination: string | undefined,
  anywhere = true,
  from: string = c.op.host,
): Promise<MigrationStatus> {
  let last: MigrationStatus | undefined;
  const tries =
    destination === undefined
      ? [undefined, undefined, undefined]
      : anywhere
        ? [destination, destination, destination, undefined]
        : [destination, destination, destination];
  for (const [i, to] of tries.entries()) {
    const suffix = i === 0 ? instance : `${instance}/retry${i}`;
    // A scheduler's view of a host lags behind it (Nova's instance cache refreshes every few
    // minutes after a compute service restarts): a refused move is asked again after a while.
    const wait = MIGRATION_RETRY_WAIT_SECONDS[i - 1];
    if (wait !== undefined) await c.driver.sleep(wait);
    try {
      const started = await retrying(
        c.driver,
        () =>
          c.driver.migrate(
            { instance, mode, from, ...(to === undefined ? {} : { destination: to }) },
            ctxOf(c, suffix),
          ),
        c.onRetryWait,
      );
      last = await watchMigration(c, started);
      if (last.state === 'completed') return last;
    } catch (error) {
      if (!(error instanceof DriverError)) throw error;
      last = {
        id: '',
        instance,
        state: 'failed',
        source: c.op.host,
        error: error.message,
      };
      if (error.kind === 'unauthorised') break;
    }
  }
  return last as MigrationStatus;
}

/** The longest wait between two looks at a migration, in seconds. */
const MAX_POLL_SECONDS = 60;

/**
 * Watches a migration to its end without asking more than needed: a queued one is looked at
 * less and less often (×1.5, up to 30 s); a running one whose progress is reported is next looked
 * at when, at the rate seen between two looks, it should be done; otherwise every `pollSeconds`.
 * Hundreds of migrations at once poll the cloud's API a few times each, not every 5 s.
 *
 * A migration still running `timeouts.migration` after it started (one that does not converge:
 * a guest dirtying memory faster than the link copies it) follows `rollout.onMigrationTimeout`:
 * `force-complete` asks the driver to finish it now (the guest pauses for the last copy), once,
 * with as long again to end; `abort` — or a forced one that still runs, or a driver that cannot
 * force — aborts it, and the step fails without trying again (it would not converge either).
 */
export async function watchMigration(
  c: ActionContext,
  m: MigrationStatus,
): Promise<MigrationStatus> {
  let status = m;
  let wait = c.pollSeconds;
  let seen: { readonly at: number; readonly progress: number } | undefined;
  const limit = c.campaign.timeouts.migration;
  let runningSince: number | undefined;
  let forced = false;
  while (status.state === 'queued' || status.state === 'running') {
    const left = runningSince === undefined ? wait : runningSince + limit - c.driver.now();
    await c.driver.sleep(Math.max(0, Math.min(wait, left)));
    const id = status.id;
    status = await retrying(c.driver, () => c.driver.migrationStatus(id), c.onRetryWait);
    const now = c.driver.now();
    if (status.state === 'queued') {
      wait = Math.min(wait * 1.5, 30);
      continue;
    }
    if (status.state === 'running') {
      runningSince ??= now;
      if (now - runningSince >= limit) {
        const force = c.driver.forceCompleteMigration?.bind(c.driver);
        if (c.campaign.rollout.onMigrationTimeout === 'force-complete' && force && !forced) {
          forced = true;
          runningSince = now;
          status = await retrying(
            c.driver,
            () => force(id, ctxOf(c, `${status.instance}/force`)),
            c.onRetryWait,
          );
          continue;
        }
        const aborted = await retrying(
          c.driver,
          () => c.driver.abortMigration(id, ctxOf(c, `${status.instance}/abort`)),
          c.onRetryWait,
        );
        throw new StepFailure(
          'ESC_MIGRATION_FAILED',
          `the live migration of ${status.instance} off ${c.op.host} was still running after ${limit}s (timeouts.migration)${forced ? ', even forced to complete,' : ''} and was aborted (${aborted.state}): the host is not upgraded`,
          { instance: status.instance, migration: id, forced },
        );
      }
    }
    const p = status.progress;
    if (status.state !== 'running' || p === undefined || p <= 0 || p >= 1) {
      wait = c.pollSeconds;
      seen = undefined;
      continue;
    }
    const rate = seen === undefined ? 0 : (p - seen.progress) / (now - seen.at);
    wait =
      rate > 0
        ? Math.min(MAX_POLL_SECONDS, Math.max(c.pollSeconds, (1 - p) / rate + 0.5))
        : c.pollSeconds;
    seen = { at: now, progress: p };
  }
  return status;
}

/** Versions, health and the campaign's checks; a StepFailure names what is wrong. */
export async function verifyHost(
  c: ActionContext,
  expected: Readonly<Record<string, string>>,
  checks: Campaign['verify'],
): Promise<StepOutcome> {
  const { driver, op } = c;
  const health: HostHealth = await call(c, () => driver.health(op.host));
  const problems: string[] = [];
  if (health.state !== 'up') problems.push(`${op.host} is ${health.state}`);
  if (!health.servicesUp) problems.push(`services on ${op.host} are not all up`);
  for (const [component, version] of Object.entries(expected)) {
    const found = health.components[component];
    if (found !== version)
      problems.push(`${component} is ${found ?? 'not installed'}, expected ${version}`);
  }
  for (const check of checks) {
    if (check.check === 'no-alarms') {
      const serious = health.alarms.filter(
        (a) => a.severity === 'major' || a.severity === 'critical',
      );
      if (serious.length > 0)
        problems.push(`${check.name}: alarms ${serious.map((a) => a.code).join(', ')}`);
    } else if (check.exec !== undefined) {
      const command = check.exec;
      const r = await call(c, () =>
        driver.hostAction(op.host, { kind: 'command', command }, ctxOf(c, `check-${check.name}`)),
      );
      if (!r.ok) problems.push(`${check.name}: ${r.output}`);
    }
  }
  if (problems.length > 0)
    throw new StepFailure(
      'ESC_VERIFY_FAILED',
      `${op.host} failed verification: ${problems.join('; ')}`,
      {
        problems,
      },
    );
  return { detail: { components: { ...health.components } } };
}

// ------------------------------------------------------------------------- backward

/** How a host's versions go back: packages of the previous versions, or the backup. */
export type RevertMode = 'rollback' | 'restore';

/**
 * The order in which a host's executed steps are compensated: back into maintenance first,
 * then versions, activation and verification, then the instances come home and the host is
 * enabled again. Within a phase, later steps are undone first.
 */
const UNDO_PHASE: Readonly<Record<Step['kind'], number>> = {
  'notify-complete': 1,
  'enable-scheduling': 1,
  'restore-instances': 2,
  install: 3,
  activate: 4,
  verify: 5,
  backup: 6,
  // The host takes instances again (a scheduler refuses a disabled destination), then they
  // come home.
  'disable-scheduling': 7,
  evacuate: 8,
  'notify-vnfm': 9,
};

export function undoOrder<T extends { readonly index: number; readonly step: Step }>(
  steps: readonly T[],
): T[] {
  return [...steps].sort(
    (a, b) => UNDO_PHASE[a.step.kind] - UNDO_PHASE[b.step.kind] || b.index - a.index,
  );
}

export interface UndoContext extends ActionContext {
  readonly mode: RevertMode;
  /** The host's backup, for `restore`. */
  readonly backup?: {
    readonly ref: string;
    readonly items: readonly ('versions' | 'config' | 'databases')[];
  };
  /** Components whose install was executed, with the version to go back to. */
  readonly reverted: Readonly<Record<string, string>>;
  /** Whether the installs were reverted (then activations run again). */
  readonly versionsReverted: boolean;
  /** Where the host's migrated instances are now (instance → host). */
  readonly whereIs: (instance: string) => Promise<string | undefined>;
}

/** Compensates one executed step; returns the detail for the journal. */
export async function undoStep(
  c: UndoContext,
  step: Step,
  firstInPhase: boolean,
): Promise<{ readonly [k: string]: Json }> {
  const { driver, op } = c;
  switch (step.kind) {
    case 'notify-complete': {
      // The host leaves service again: tell the VNFMs of the instances that stay on it.
      const staying = op.instanceActions.filter((a) => !isMigration(a));
      await Promise.all(
        [...byVnf(staying)].map(([vnf, instances]) =>
          call(c, () =>
            driver.notifyVnfm(
              {
                vnf,
                host: op.host,
                instances,
                leadTime: c.campaign.coordination.leadTime,
                deadline: c.campaign.coordination.ackTimeout,
              },
              ctxOf(c, vnf),
            ),
          ),
        ),
      );
      return {};
    }
    case 'enable-scheduling':
      await disableScheduling(c);
      return {};
    case 'restore-instances': {
      const stopped = op.instanceActions.filter((a) => a.kind === 'stop-start');
      await Promise.all(
        stopped.map((a) => call(c, () => driver.stopInstance(a.instance, ctxOf(c, a.instance)))),
      );
      return { stopped: stopped.map((a) => a.instance) };
    }
    case 'install': {
      if (c.mode === 'restore') {
        // One restore brings every component back; the other install steps only record it.
        if (!firstInPhase) return { by: 'restore' };
        const backup = c.backup;
        if (backup === undefined)
          throw new StepFailure(
            'ESC_NO_BACKUP',
            `${op.host} has no backup taken before the change: it cannot be restored`,
          );
        await call(c, () => driver.restore({ host: op.host, ...backup }, ctxOf(c)));
        return { restored: backup.ref };
      }
      if (step.component === undefined || step.from === undefined) return {};
      const component = step.component;
      const version = step.from;
      const r = await call(c, () =>
        driver.hostAction(op.host, { kind: 'install', component, version }, ctxOf(c)),
      );
      return { output: r.output };
    }
    case 'activate': {
      if (!c.versionsReverted) return {};
      const component = step.component;
      const r =
        step.activation === 'reboot' || component === undefined
          ? await call(c, () => driver.hostAction(op.host, { kind: 'reboot' }, ctxOf(c)), 'reboot')
          : await call(c, () =>
              driver.hostAction(op.host, { kind: 'restart', component }, ctxOf(c)),
            );
      return { output: r.output };
    }
    case 'verify': {
      const outcome = await verifyHost(c, c.reverted, []);
      return outcome.detail;
    }
    case 'backup':
      // Backups stay until the run is committed.
      return {};
    case 'evacuate': {
      const moved = op.instanceActions.filter(isMigration);
      const results = await Promise.all(
        moved.map(async (a): Promise<{ instance: string; state: string; error: string | null }> => {
          const now = await c.whereIs(a.instance);
          if (now === op.host || now === undefined)
            return { instance: a.instance, state: 'home', error: null };
          const r = await migrateInstance(
            c,
            a.instance,
            a.kind === 'cold-migrate' ? 'cold' : 'live',
            op.host,
            false,
            now,
          );
          return { instance: a.instance, state: r.state, error: r.error ?? null };
        }),
      );
      const failed = results.filter((r) => r.state !== 'completed' && r.state !== 'home');
      const stopped = op.instanceActions.filter((a) => a.kind === 'stop-start');
      await Promise.all(
        stopped.map((a) =>
          call(c, () => driver.startInstance(a.instance, ctxOf(c, `start-${a.instance}`))),
        ),
      );
      if (failed.length > 0)
        throw new StepFailure(
          'ESC_MIGRATION_FAILED',
          `${failed.length} instance(s) could not return to ${op.host}: ${failed
            .slice(0, 3)
            .map((f) => f.instance)
            .join(', ')}`,
          { moves: results },
        );
      return { moves: results, started: stopped.map((a) => a.instance) };
    }
    case 'disable-scheduling':
      try {
        await retrying(
          driver,
          () => driver.setScheduling(op.host, { enabled: true }, ctxOf(c)),
          c.onRetryWait,
        );
      } catch (error) {
        // Disabled by an operator for another reason meanwhile: theirs to enable, not ours.
        if (error instanceof DriverError && error.kind === 'rejected')
          return { leftDisabled: error.message };
        throw asFailure(error);
      }
      return {};
    case 'notify-vnfm':
      await notifyComplete(c);
      return {};
  }
}
