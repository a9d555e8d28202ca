/**
 * The `openstack` driver: the engine's one interface (drivers/driver.ts) over the real Nova,
 * Placement and Keystone APIs, with host actions run through a host executor (SSH).
 *
 * Nova does not know Escalator's idempotency keys, so every action observes before it acts:
 * - scheduling: the service's status and reason are read first; a service disabled for another
 *   reason is never re-enabled (nor its reason overwritten);
 * - migrations: a server already off the host it was to leave (`from`), with no migration in
 *   progress, has moved; one with a migration in progress is joined, not migrated again; keys
 *   seen in this process map to their migration;
 * - stop/start look at the server's state first; the scale-up guard writes exact values.
 * Known behaviour of the real thing it copes with: a live migration answers 202 even when it
 * will fail (the migration record says `error`), `GET /servers/{id}/migrations` lists only
 * migrations in progress (so `GET /os-migrations?instance_uuid=` is read), a cold migration
 * waits in VERIFY_RESIZE until confirmed, a killed nova-compute shows `down` only after the
 * service-down time.
 */
import type { Alarm, AlarmSeverity, Inventory, Json } from '../../model/index.js';
import {
  DriverError,
  schedulingReason,
  type BackupItem,
  type BackupRef,
  type DiscoveryScope,
  type Driver,
  type HostAction,
  type HostActionResult,
  type HostHealth,
  type MaintenanceNotice,
  type MigrationRequest,
  type MigrationState,
  type MigrationStatus,
  type OperationContext,
  type ScaleUpSetting,
  type SchedulingState,
  type ServiceSample,
  type VnfmAnswer,
} from '../driver.js';
import type { HostExecutor } from '../ssh/executor.js';
import {
  inventoryFrom,
  type CloudSnapshot,
  type NovaAggregate,
  type NovaHypervisor,
  type NovaServer,
  type NovaServerGroup,
  type NovaService,
  type Names,
  type PlacementInventory,
} from './discover.js';
import { send } from './http.js';
import type { KeystoneSession } from './keystone.js';
import { fillCommand, type HostCommand, type OpenStackTarget } from './target.js';

export interface OpenStackDriverOptions {
  readonly target: OpenStackTarget;
  readonly session: KeystoneSession;
  /** Runs host actions; without one, host actions and component versions are unavailable. */
  readonly executor?: HostExecutor;
  /** Seconds between two looks while waiting for Nova (a server's state, a host coming back). */
  readonly pollSeconds?: number;
}

/** A Nova migration as `os-migrations` lists it. */
interface NovaMigration {
  readonly id: number;
  readonly uuid?: string;
  readonly status: string;
  readonly migration_type?: string;
  readonly source_compute?: string | null;
  readonly dest_compute?: string | null;
  readonly instance_uuid?: string;
  readonly memory_processed_bytes?: number | null;
  readonly memory_total_bytes?: number | null;
}

/** Nova's migration statuses as the engine's five. */
function stateOf(status: string): MigrationState {
  switch (status) {
    case 'queued':
    case 'accepted':
    case 'preparing':
    case 'pre-migrating':
      return 'queued';
    case 'completed':
    case 'confirmed':
    case 'done':
      return 'completed';
    case 'error':
    case 'failed':
      return 'failed';
    case 'cancelled':
    case 'cancelling':
      return 'cancelled';
    default:
      // running, migrating, post-migrating, finished (a cold one waiting for its confirm) …
      return 'running';
  }
}

/** Our migration id: the server, and the Nova migration — or the newest one before ours. */
function migrationId(server: string, nova: number, found: boolean): string {
  return found ? `${server}/m${nova}` : `${server}/after${nova}`;
}

function parseMigrationId(id: string): { server: string; nova: number; found: boolean } {
  const m = /^([^/]+)\/(m|after)(\d+)$/.exec(id);
  if (!m) throw new DriverError('rejected', id, `${id} is not a migration id of this driver`);
  return { server: m[1] as string, nova: Number(m[3]), found: m[2] === 'm' };
}

const sleepMs = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export class OpenStackDriver implements Driver {
  readonly name = 'openstack';
  private readonly target: OpenStackTarget;
  private readonly session: KeystoneSession;
  private readonly executor: HostExecutor | undefined;
  private readonly pollMs: number;
  private names: Names | undefined;
  private inventory: Inventory | undefined;
  /** Capacities of resource providers: they hardly change during a run. */
  private readonly providers = new Map<string, Readonly<Record<string, PlacementInventory>>>();
  /** Idempotency keys this process used for migrations → our migration id. */
  private readonly migrationsByKey = new Map<string, string>();
  /** When this process asked for a migration, by our id (to notice one Nova never started). */
  private readonly requestedAt = new Map<string, number>();
  /** Where each VNF was seen short of members, and since when (probes). */
  private readonly short = new Map<string, number>();

  constructor(options: OpenStackDriverOptions) {
    this.target = options.target;
    this.session = options.session;
    this.executor = options.executor;
    this.pollMs = (options.pollSeconds ?? 2) * 1000;
  }

  // ---------------------------------------------------------------- time

  now(): number {
    return Date.now() / 1000;
  }

  sleep(seconds: number, signal?: AbortSignal): Promise<void> {
    return sleepMs(seconds * 1000, signal);
  }

  busy<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  // ---------------------------------------------------------------- API helpers

  private async nova(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    subject?: string,
  ): Promise<Record<string, unknown>> {
    const r = await this.session.request('compute', method, path, {
      ...(body === undefined ? {} : { body }),
      ...(subject === undefined ? {} : { subject }),
    });
    return asRecord(r.body);
  }

  private async placement(path: string): Promise<Record<string, unknown>> {
    return asRecord((await this.session.request('placement', 'GET', path)).body);
  }

  /** Follows Nova's `…_links` `next` pages. */
  private async pages<T>(path: string, key: string): Promise<T[]> {
    const all: T[] = [];
    let next: string | undefined = path;
    for (let page = 0; next !== undefined && page < 10_000; page++) {
      const body = await this.nova('GET', next);
      all.push(...((body[key] as T[] | undefined) ?? []));
      const links = body[`${key}_links`] as { rel?: string; href?: string }[] | undefined;
      next = links?.find((l) => l.rel === 'next')?.href;
    }
    return all;
  }

  // ---------------------------------------------------------------- discovery

  async discover(scope?: DiscoveryScope): Promise<Inventory> {
    const few = scope !== undefined && scope.hosts.length <= 20;
    const [services, hypervisors, servers, serverGroups, aggregates] = await Promise.all([
      this.nova('GET', '/os-services?binary=nova-compute').then(
        (b) => (b['services'] as NovaService[] | undefined) ?? [],
      ),
      this.nova('GET', '/os-hypervisors').then(
        (b) => (b['hypervisors'] as NovaHypervisor[] | undefined) ?? [],
      ),
      few
        ? Promise.all(
            (scope?.hosts ?? []).map((h) =>
              this.pages<NovaServer>(
                `/servers/detail?all_tenants=1&host=${encodeURIComponent(h)}&limit=1000`,
                'servers',
              ),
            ),
          ).then((lists) => lists.flat())
        : this.pages<NovaServer>('/servers/detail?all_tenants=1&limit=1000', 'servers'),
      this.pages<NovaServerGroup>(
        '/os-server-groups?all_projects=true&limit=1000',
        'server_groups',
      ),
      this.nova('GET', '/os-aggregates').then(
        (b) => (b['aggregates'] as NovaAggregate[] | undefined) ?? [],
      ),
    ]);
    const wanted = scope === undefined ? undefined : new Set(scope.hosts);
    const hostsHere = services
      .filter((s) => s.binary === 'nova-compute')
      .filter((s) => wanted === undefined || wanted.has(s.host));
    const matched = matchHypervisors(hostsHere, hypervisors);
    await this.readProviders([...matched.values()].map((h) => h.id));
    const [components, alarms] = await this.hostFacts(hostsHere.map((s) => s.host));
    const snapshot: CloudSnapshot = {
      services: hostsHere,
      hypervisors: [...matched.entries()].map(([host, h]) => ({ ...h, service: { host } })),
      servers,
      serverGroups,
      aggregates,
      providers: this.providers,
      components,
      alarms,
    };
    const found = inventoryFrom(snapshot, this.target);
    if (scope === undefined) {
      this.names = found.names;
      this.inventory = found.inventory;
    } else this.mergeNames(found.names);
    return found.inventory;
  }

  private mergeNames(names: Names): void {
    const old = this.names;
    this.names = {
      servers: new Map([...(old?.servers ?? []), ...names.servers]),
      instances: new Map([...(old?.instances ?? []), ...names.instances]),
      services: new Map([...(old?.services ?? []), ...names.services]),
      groups: new Map([...(old?.groups ?? []), ...names.groups]),
    };
  }

  private async readProviders(uuids: readonly string[]): Promise<void> {
    const missing = uuids.filter((u) => !this.providers.has(u));
    await mapLimit(missing, 8, async (uuid) => {
      const body = await this.placement(`/resource_providers/${uuid}/inventories`);
      this.providers.set(
        uuid,
        (body['inventories'] as Record<string, PlacementInventory> | undefined) ?? {},
      );
    });
  }

  /** Component versions and alarms each host reports of itself (the `health`/`versions` command). */
  private async hostFacts(
    hosts: readonly string[],
  ): Promise<[Map<string, Record<string, string>>, Map<string, Alarm[]>]> {
    const components = new Map<string, Record<string, string>>();
    const alarms = new Map<string, Alarm[]>();
    if (this.executor === undefined || this.commandFor('versions') === undefined)
      return [components, alarms];
    await mapLimit(hosts, 16, async (host) => {
      const facts = await this.readHostFacts(host);
      components.set(host, facts.components);
      alarms.set(host, facts.alarms);
    });
    return [components, alarms];
  }

  private async readHostFacts(
    host: string,
  ): Promise<{ components: Record<string, string>; alarms: Alarm[] }> {
    const r = await this.runOnHost(host, 'versions', {}, 60);
    if (r.exitCode !== 0)
      throw new DriverError(
        'failed',
        host,
        `${host}: reading its versions failed (exit ${r.exitCode}): ${tail(r.stderr || r.stdout)}`,
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.stdout);
    } catch {
      parsed = Object.fromEntries(
        r.stdout
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter((p) => p.length === 2),
      );
    }
    const o = asRecord(parsed);
    const versions = asRecord(o['components'] ?? o);
    const components: Record<string, string> = {};
    for (const [k, v] of Object.entries(versions)) if (typeof v === 'string') components[k] = v;
    const alarms = Array.isArray(o['alarms'])
      ? (o['alarms'] as { code?: string; severity?: string; message?: string }[]).map(
          (a): Alarm => ({
            code: String(a.code ?? 'alarm'),
            severity: SEVERITIES.includes(a.severity as AlarmSeverity)
              ? (a.severity as AlarmSeverity)
              : 'major',
            message: String(a.message ?? ''),
          }),
        )
      : [];
    return { components, alarms };
  }

  private async serverId(instance: string): Promise<string> {
    let id = this.names?.servers.get(instance);
    if (id === undefined) {
      await this.discover();
      id = this.names?.servers.get(instance);
    }
    if (id === undefined)
      throw new DriverError('rejected', instance, `no server ${instance} in the cloud`);
    return id;
  }

  private async service(host: string): Promise<NovaService> {
    const b = await this.nova(
      'GET',
      `/os-services?binary=nova-compute&host=${encodeURIComponent(host)}`,
      undefined,
      host,
    );
    const s = ((b['services'] as NovaService[] | undefined) ?? [])[0];
    if (s === undefined)
      throw new DriverError('rejected', host, `no nova-compute service on ${host}`);
    return s;
  }

  // ---------------------------------------------------------------- scheduling

  async getScheduling(host: string): Promise<SchedulingState> {
    const s = await this.service(host);
    return s.status === 'enabled'
      ? { enabled: true }
      : { enabled: false, ...(s.disabled_reason ? { reason: s.disabled_reason } : {}) };
  }

  async setScheduling(
    host: string,
    state: SchedulingState,
    ctx: OperationContext,
  ): Promise<SchedulingState> {
    const s = await this.service(host);
    const ours = schedulingReason(ctx.campaign);
    if (state.enabled) {
      if (s.status === 'enabled') return { enabled: true };
      if ((s.disabled_reason ?? '') !== ours)
        throw new DriverError(
          'rejected',
          host,
          `${host} was disabled by someone else (${s.disabled_reason ?? 'no reason given'}): Escalator leaves it disabled`,
        );
      await this.nova('PUT', `/os-services/${s.id}`, { status: 'enabled' }, host);
      return { enabled: true };
    }
    if (s.status === 'disabled')
      // Disabled already — by us (a repeat) or by an operator, whose reason stays.
      return { enabled: false, ...(s.disabled_reason ? { reason: s.disabled_reason } : {}) };
    const reason = state.reason ?? ours;
    await this.nova(
      'PUT',
      `/os-services/${s.id}`,
      { status: 'disabled', disabled_reason: reason },
      host,
    );
    return { enabled: false, reason };
  }

  // ---------------------------------------------------------------- migrations

  private async server(id: string, subject: string): Promise<NovaServer> {
    const b = await this.nova('GET', `/servers/${id}`, undefined, subject);
    return b['server'] as NovaServer;
  }

  /** The server's migrations, newest first. */
  private async migrationsOf(server: string, subject: string): Promise<NovaMigration[]> {
    const b = await this.nova('GET', `/os-migrations?instance_uuid=${server}`, undefined, subject);
    return ((b['migrations'] as NovaMigration[] | undefined) ?? []).sort((a, c) => c.id - a.id);
  }

  async migrate(request: MigrationRequest, ctx: OperationContext): Promise<MigrationStatus> {
    const known = this.migrationsByKey.get(ctx.idempotencyKey);
    if (known !== undefined) return this.migrationStatus(known);
    const serverId = await this.serverId(request.instance);
    const server = await this.server(serverId, request.instance);
    const host = server['OS-EXT-SRV-ATTR:host'] ?? '';
    const migrations = await this.migrationsOf(serverId, request.instance);
    const latest = migrations[0];
    // A migration of this server in progress: join it rather than start another.
    if (
      latest !== undefined &&
      (stateOf(latest.status) === 'queued' || stateOf(latest.status) === 'running')
    ) {
      const id = migrationId(serverId, latest.id, true);
      this.migrationsByKey.set(ctx.idempotencyKey, id);
      return this.statusFrom(id, request.instance, latest);
    }
    // Off the host it was to leave: it has moved already (before a crash, or by someone else).
    if (request.from !== undefined && host !== request.from) {
      const id = migrationId(serverId, latest?.id ?? 0, latest !== undefined);
      this.migrationsByKey.set(ctx.idempotencyKey, id);
      return {
        id,
        instance: request.instance,
        state: 'completed',
        source: request.from,
        destination: host,
        progress: 1,
      };
    }
    if (server.status !== 'ACTIVE' && request.mode === 'live')
      throw new DriverError(
        'rejected',
        request.instance,
        `${request.instance} is ${server.status}, not ACTIVE: it cannot be live-migrated`,
      );
    const body =
      request.mode === 'live'
        ? { 'os-migrateLive': { host: request.destination ?? null, block_migration: 'auto' } }
        : { migrate: request.destination === undefined ? null : { host: request.destination } };
    await this.nova('POST', `/servers/${serverId}/action`, body, request.instance);
    const id = migrationId(serverId, latest?.id ?? 0, false);
    this.migrationsByKey.set(ctx.idempotencyKey, id);
    this.requestedAt.set(id, this.now());
    return { id, instance: request.instance, state: 'queued', source: host };
  }

  async migrationStatus(id: string): Promise<MigrationStatus> {
    const { server, nova, found } = parseMigrationId(id);
    const instance = this.names?.instances.get(server) ?? server;
    const migrations = await this.migrationsOf(server, instance);
    const m = found
      ? migrations.find((x) => x.id === nova)
      : migrations.filter((x) => x.id > nova).at(-1);
    if (m === undefined) {
      // Nova accepted the request (202) but no migration exists yet: wait a while, then say so.
      const asked = this.requestedAt.get(id) ?? this.now();
      if (this.now() - asked > 120)
        return {
          id,
          instance,
          state: 'failed',
          source: '',
          error: 'Nova accepted the migration but never started it (see nova-conductor logs)',
        };
      return { id, instance, state: 'queued', source: '' };
    }
    const ours = migrationId(server, m.id, true);
    if (m.status === 'finished' || m.status === 'post-migrating') {
      // A cold migration waits in VERIFY_RESIZE for its confirmation.
      const s = await this.server(server, instance);
      if (s.status === 'VERIFY_RESIZE')
        await this.nova('POST', `/servers/${server}/action`, { confirmResize: null }, instance);
    }
    return this.statusFrom(ours, instance, m);
  }

  private statusFrom(id: string, instance: string, m: NovaMigration): MigrationStatus {
    const state = stateOf(m.status);
    const total = m.memory_total_bytes ?? 0;
    const progress =
      state === 'completed'
        ? 1
        : total > 0 && m.memory_processed_bytes != null
          ? Math.min(0.99, m.memory_processed_bytes / total)
          : undefined;
    return {
      id,
      instance,
      state,
      source: m.source_compute ?? '',
      ...(m.dest_compute ? { destination: m.dest_compute } : {}),
      ...(progress === undefined ? {} : { progress }),
      ...(state === 'failed' ? { error: `Nova migration ${m.id} ended in ${m.status}` } : {}),
    };
  }

  async abortMigration(id: string, _ctx: OperationContext): Promise<MigrationStatus> {
    const status = await this.migrationStatus(id);
    if (status.state !== 'running' && status.state !== 'queued') return status;
    const { server, nova, found } = parseMigrationId(status.id);
    if (found)
      await this.nova(
        'DELETE',
        `/servers/${server}/migrations/${nova}`,
        undefined,
        status.instance,
      );
    return this.migrationStatus(status.id);
  }

  /** Finishes a running live migration now (Nova pauses the guest for the last copy). */
  async forceCompleteMigration(id: string, _ctx: OperationContext): Promise<MigrationStatus> {
    const status = await this.migrationStatus(id);
    const { server, nova, found } = parseMigrationId(status.id);
    if (status.state === 'running' && found)
      await this.nova(
        'POST',
        `/servers/${server}/migrations/${nova}/action`,
        { force_complete: null },
        status.instance,
      );
    return this.migrationStatus(status.id);
  }

  // ---------------------------------------------------------------- instances

  private async powerTo(instance: string, want: 'SHUTOFF' | 'ACTIVE'): Promise<void> {
    const id = await this.serverId(instance);
    let s = await this.server(id, instance);
    if (s.status !== want && s['OS-EXT-STS:task_state'] == null)
      await this.nova(
        'POST',
        `/servers/${id}/action`,
        want === 'SHUTOFF' ? { 'os-stop': null } : { 'os-start': null },
        instance,
      );
    const deadline = this.now() + this.target.hostActionTimeoutSeconds;
    while (s.status !== want) {
      if (s.status === 'ERROR')
        throw new DriverError('failed', instance, `${instance} went to ERROR instead of ${want}`);
      if (this.now() > deadline)
        throw new DriverError('timeout', instance, `${instance} is still ${s.status}, not ${want}`);
      await sleepMs(this.pollMs);
      s = await this.server(id, instance);
    }
  }

  async stopInstance(instance: string, _ctx: OperationContext): Promise<void> {
    await this.powerTo(instance, 'SHUTOFF');
  }

  async startInstance(instance: string, _ctx: OperationContext): Promise<void> {
    await this.powerTo(instance, 'ACTIVE');
  }

  // ---------------------------------------------------------------- host actions

  private commandFor(name: HostCommand): readonly string[] | undefined {
    return this.target.commands[name];
  }

  private async runOnHost(
    host: string,
    name: HostCommand,
    values: Partial<Record<'component' | 'version' | 'command' | 'ref' | 'items', string>>,
    timeoutSeconds = this.target.hostActionTimeoutSeconds,
  ) {
    const template = this.commandFor(name);
    if (this.executor === undefined || template === undefined)
      throw new DriverError(
        'rejected',
        host,
        `the target ${this.target.name} has no host command "${name}" (spec.hosts.commands.${name}) and SSH settings: Escalator cannot ${name} on ${host}`,
      );
    return this.executor.run(host, fillCommand(template, { host, ...values }), { timeoutSeconds });
  }

  async hostAction(
    host: string,
    action: HostAction,
    _ctx: OperationContext,
  ): Promise<HostActionResult> {
    const started = this.now();
    const r =
      action.kind === 'install'
        ? await this.runOnHost(host, 'install', {
            component: action.component,
            version: action.version,
          })
        : action.kind === 'restart'
          ? await this.runOnHost(host, 'restart', { component: action.component })
          : action.kind === 'reboot'
            ? await this.runOnHost(host, 'reboot', {}).catch((error: unknown) => {
                // The connection may drop as the host goes down: that is the reboot happening.
                if (error instanceof DriverError && error.kind === 'transient')
                  return { exitCode: 0, stdout: 'connection closed by the reboot', stderr: '' };
                throw error;
              })
            : await this.runOnHost(host, 'command', { command: action.command });
    const output = tail(`${r.stdout}${r.stderr ? `\n${r.stderr}` : ''}`, 2000);
    if (r.exitCode !== 0) {
      if (action.kind === 'command') return { ok: false, output };
      throw new DriverError(
        'failed',
        host,
        `${describeAction(action)} on ${host} failed (exit ${r.exitCode}): ${tail(r.stderr || r.stdout)}`,
      );
    }
    if (
      action.kind === 'reboot' ||
      (action.kind === 'restart' && action.component === 'nova-compute')
    )
      await this.waitServiceBack(host, started);
    return { ok: true, output };
  }

  /** Waits until the host's nova-compute reports up again after `since` (a reboot, a restart). */
  private async waitServiceBack(host: string, since: number): Promise<void> {
    const deadline = this.now() + this.target.hostActionTimeoutSeconds;
    for (;;) {
      const s = await this.service(host).catch(() => undefined);
      const updated =
        s === undefined
          ? Number.NaN
          : Date.parse(`${String((s as unknown as { updated_at?: string }).updated_at ?? '')}Z`) /
            1000;
      if (s !== undefined && s.state === 'up' && s.forced_down !== true && updated >= since) return;
      if (this.now() > deadline)
        throw new DriverError(
          'failed',
          host,
          `${host} did not come back: nova-compute has not reported up within ${this.target.hostActionTimeoutSeconds}s`,
        );
      await sleepMs(this.pollMs);
    }
  }

  async health(host: string): Promise<HostHealth> {
    const s = await this.service(host);
    const facts =
      this.executor !== undefined && this.commandFor('versions') !== undefined
        ? await this.readHostFacts(host)
        : { components: {}, alarms: [] };
    const up = s.state === 'up' && s.forced_down !== true;
    return {
      host,
      state: up ? 'up' : 'down',
      servicesUp: up,
      alarms: facts.alarms,
      components: facts.components,
    };
  }

  // ---------------------------------------------------------------- scale-up guard

  /** The projects whose quotas the guard closes: configured, else those with servers. */
  private async scaleUpProjects(): Promise<string[]> {
    if (this.target.scaleUpProjects.length > 0) return [...this.target.scaleUpProjects].sort();
    const servers = await this.pages<NovaServer>(
      '/servers/detail?all_tenants=1&limit=1000',
      'servers',
    );
    return [...new Set(servers.map((s) => s.tenant_id).filter((t): t is string => !!t))].sort();
  }

  async getScaleUp(): Promise<ScaleUpSetting> {
    const detail: Record<string, number> = {};
    let enabled = false;
    for (const project of await this.scaleUpProjects()) {
      const b = await this.nova('GET', `/os-quota-sets/${project}/detail`, undefined, project);
      const q = asRecord(b['quota_set']);
      for (const k of QUOTAS) {
        const v = asRecord(q[k]);
        const limit = Number(v['limit']);
        const inUse = Number(v['in_use'] ?? 0);
        detail[`${project}/${k}`] = limit;
        if (limit < 0 || limit > inUse) enabled = true;
      }
    }
    return { enabled, detail };
  }

  async setScaleUp(setting: ScaleUpSetting, _ctx: OperationContext): Promise<ScaleUpSetting> {
    const byProject = new Map<string, Record<string, number>>();
    for (const [key, value] of Object.entries(setting.detail)) {
      const [project, quota] = key.split('/');
      if (
        !project ||
        !quota ||
        !(QUOTAS as readonly string[]).includes(quota) ||
        typeof value !== 'number'
      )
        continue;
      byProject.set(project, { ...byProject.get(project), [quota]: value });
    }
    for (const [project, original] of byProject) {
      let values = original;
      if (!setting.enabled) {
        // Closed: each limit down to what is in use now, so nothing new fits.
        const b = await this.nova('GET', `/os-quota-sets/${project}/detail`, undefined, project);
        const q = asRecord(b['quota_set']);
        values = Object.fromEntries(QUOTAS.map((k) => [k, Number(asRecord(q[k])['in_use'] ?? 0)]));
      }
      await this.nova(
        'PUT',
        `/os-quota-sets/${project}`,
        { quota_set: { ...values, force: true } },
        project,
      );
    }
    return this.getScaleUp();
  }

  // ---------------------------------------------------------------- backup and restore

  async backup(
    host: string,
    items: readonly BackupItem[],
    _ctx: OperationContext,
  ): Promise<BackupRef> {
    const r = await this.runOnHost(host, 'backup', { items: items.join(',') });
    const ref = r.stdout.trim().split('\n').at(-1)?.trim() ?? '';
    if (r.exitCode !== 0 || ref === '')
      throw new DriverError(
        'failed',
        host,
        `backup of ${host} failed (exit ${r.exitCode}): ${tail(r.stderr || r.stdout)}`,
      );
    return { host, ref, items };
  }

  async restore(backup: BackupRef, _ctx: OperationContext): Promise<void> {
    const r = await this.runOnHost(backup.host, 'restore', {
      ref: backup.ref,
      items: backup.items.join(','),
    });
    if (r.exitCode !== 0)
      throw new DriverError(
        'failed',
        backup.host,
        `restoring ${backup.host} from ${backup.ref} failed (exit ${r.exitCode}): ${tail(r.stderr || r.stdout)}`,
      );
  }

  // ---------------------------------------------------------------- VNF managers

  async notifyVnfm(notice: MaintenanceNotice, ctx: OperationContext): Promise<VnfmAnswer> {
    const endpoint =
      this.target.vnfs[notice.vnf]?.vnfm ??
      this.inventory?.vnfs.find((v) => v.name === notice.vnf)?.vnfm;
    // No manager to ask: nothing to coordinate with.
    if (endpoint === undefined) return { kind: 'ack' };
    const waitSeconds = Math.min(notice.deadline, this.target.vnfmTimeoutSeconds);
    try {
      const r = await send({
        method: 'POST',
        url: endpoint,
        body: {
          type: notice.phase === 'complete' ? 'maintenance-complete' : 'maintenance',
          vnf: notice.vnf,
          host: notice.host,
          instances: notice.instances,
          leadTimeSeconds: notice.leadTime,
          deadlineSeconds: notice.deadline,
          campaign: ctx.campaign,
          run: ctx.run,
          key: ctx.idempotencyKey,
        },
        timeoutMs: waitSeconds * 1000,
        subject: notice.vnf,
      });
      const a = asRecord(r.body);
      const answer = a['answer'];
      if (answer === 'nack')
        return {
          kind: 'nack',
          reason: typeof a['reason'] === 'string' ? a['reason'] : 'no reason given',
        };
      if (answer === 'switched-over') return { kind: 'switched-over' };
      if (answer === 'ack') return { kind: 'ack' };
      return { kind: 'silent' };
    } catch (error) {
      if (error instanceof DriverError && error.kind === 'timeout') return { kind: 'silent' };
      throw error;
    }
  }

  // ---------------------------------------------------------------- probes

  /**
   * What Nova can tell of a VNF's service: members that are not ACTIVE and running (stopped, in
   * error, on a host that is down). Sub-second live-migration blackouts are not visible through
   * the API; measuring them needs probes of the VNF's own traffic.
   */
  async probe(_since: number): Promise<readonly ServiceSample[]> {
    const inv = this.inventory ?? (await this.discover());
    const servers = await this.pages<NovaServer>(
      '/servers/detail?all_tenants=1&limit=1000',
      'servers',
    );
    const serving = new Map<string, number>();
    for (const s of servers) {
      const name = this.names?.instances.get(s.id);
      const vnf = name === undefined ? undefined : inv.instances.find((i) => i.name === name)?.vnf;
      if (vnf === undefined) continue;
      if (s.status === 'ACTIVE' && s['OS-EXT-STS:power_state'] === 1)
        serving.set(vnf, (serving.get(vnf) ?? 0) + 1);
    }
    const now = this.now();
    const samples: ServiceSample[] = [];
    for (const v of inv.vnfs) {
      const down = (serving.get(v.name) ?? 0) < v.minAvailable;
      const since = this.short.get(v.name);
      if (down && since === undefined) this.short.set(v.name, now);
      if (!down && since !== undefined) this.short.delete(v.name);
      const start = this.short.get(v.name);
      if (start !== undefined)
        samples.push({
          vnf: v.name,
          interruptions: [{ at: start, ms: Math.round((now - start) * 1000) }],
        });
    }
    return samples;
  }

  /** API calls this process made: `total` and one counter per service, method and path. */
  stats(): Readonly<Record<string, number>> {
    return { total: this.session.counter.total, ...Object.fromEntries(this.session.counter.byKey) };
  }

  /** API calls made so far, by service, method and path template. */
  apiCalls(): { total: number; byKind: Record<string, number> } {
    return {
      total: this.session.counter.total,
      byKind: Object.fromEntries(this.session.counter.byKey),
    };
  }

  async close(): Promise<void> {
    await this.executor?.close();
  }
}

const QUOTAS = ['instances', 'cores', 'ram'] as const;
const SEVERITIES: readonly AlarmSeverity[] = ['critical', 'major', 'minor', 'warning'];

function describeAction(a: HostAction): string {
  switch (a.kind) {
    case 'install':
      return `installing ${a.component} ${a.version}`;
    case 'restart':
      return `restarting ${a.component}`;
    case 'reboot':
      return 'the reboot';
    case 'command':
      return `running ${a.command}`;
  }
}

function tail(text: string, max = 400): string {
  const t = text.trim();
  return t.length <= max ? t : `…${t.slice(-max)}`;
}

/** Matches each compute service to its hypervisor: the same name, or the FQDN of its host. */
function matchHypervisors(
  services: readonly NovaService[],
  hypervisors: readonly NovaHypervisor[],
): Map<string, NovaHypervisor> {
  const byName = new Map(hypervisors.map((h) => [h.hypervisor_hostname, h]));
  const out = new Map<string, NovaHypervisor>();
  for (const s of services) {
    const h =
      byName.get(s.host) ?? hypervisors.find((x) => x.hypervisor_hostname.startsWith(`${s.host}.`));
    if (h !== undefined) out.set(s.host, h);
  }
  return out;
}

/** Runs `work` on every item, at most `limit` at once. */
async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  work: (t: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

export type { Json };
