/**
 * The OpenStack integration suite's harness: the testbed tools/openstack-testbed brings up (real
 * Keystone, Nova, Placement, Glance, Neutron and four fake-driver compute hosts on 127.0.0.1), a
 * target document for it, a way back to a known state between tests, and a watcher that looks at
 * every server once a second while a campaign runs.
 *
 * The suite runs only with `npm run test:openstack` (vitest.openstack.config.ts), which needs the
 * testbed up: `tools/openstack-testbed/setup.sh` (`.ci/run` does it).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { compileTarget, type OpenStackTargetDocument } from '../target.js';
import { KeystoneSession } from '../keystone.js';
import type { OpenStackTarget } from '../target.js';

const run = promisify(execFile);

export const TESTBED_DIR = process.env['TESTBED_DIR'] ?? '/var/lib/escalator-os-testbed';

/** What tools/openstack-testbed/setup.sh writes to testbed.json (the parts the tests use). */
export interface TestbedFacts {
  readonly keystone: { readonly authUrl: string; readonly region: string };
  readonly admin: {
    readonly username: string;
    readonly password: string;
    readonly userDomain: string;
    readonly project: string;
    readonly projectDomain: string;
  };
  readonly demo: { readonly projectId: string };
  readonly appCredential: { readonly id: string; readonly secret: string };
  readonly computeHosts: readonly string[];
  readonly serverGroups: readonly { readonly name: string; readonly members: number }[];
  readonly ssh: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly privateKey: string;
    readonly knownHosts: string;
    readonly hostScript: string;
  };
}

/** The running testbed's facts. @throws with what to do when it is not set up. */
export function testbedFacts(): TestbedFacts {
  const file = join(TESTBED_DIR, 'testbed.json');
  if (!existsSync(file))
    throw new Error(
      `the OpenStack testbed is not set up (${file} is missing): run tools/openstack-testbed/setup.sh first (it takes a few minutes)`,
    );
  return JSON.parse(readFileSync(file, 'utf8')) as TestbedFacts;
}

/** The OpenStackTarget document of the testbed (with the secret inline: a test's temp file). */
export function targetDocument(t: TestbedFacts): OpenStackTargetDocument {
  const h = t.ssh.hostScript;
  return {
    apiVersion: 'escalator.dev/v1alpha1',
    kind: 'OpenStackTarget',
    metadata: { name: 'testbed' },
    spec: {
      auth: {
        url: t.keystone.authUrl,
        applicationCredential: { id: t.appCredential.id, secret: t.appCredential.secret },
      },
      region: t.keystone.region,
      site: 'testbed',
      requestTimeout: '60s',
      hosts: {
        ssh: {
          user: t.ssh.user,
          port: t.ssh.port,
          address: t.ssh.host,
          privateKey: t.ssh.privateKey,
          knownHosts: t.ssh.knownHosts,
        },
        commands: {
          versions: [h, '{host}', 'health'],
          install: [h, '{host}', 'install', '{component}', '{version}'],
          restart: [h, '{host}', 'restart', '{component}'],
          reboot: [h, '{host}', 'reboot'],
          command: [h, '{host}', 'exec', '{command}'],
          backup: [h, '{host}', 'backup'],
          restore: [h, '{host}', 'restore', '{ref}'],
        },
        actionTimeout: '5m',
      },
      scaleUp: { projects: [t.demo.projectId] },
    },
  };
}

export function testbedTarget(t: TestbedFacts = testbedFacts()): OpenStackTarget {
  return compileTarget(targetDocument(t));
}

/** Writes the target document to a new temp folder; returns its path. */
export async function writeTargetFile(t: TestbedFacts = testbedFacts()): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'escalator-os-'));
  const file = join(folder, 'target.yaml');
  await writeFile(file, stringify(targetDocument(t)));
  return file;
}

/** An admin session with the testbed's password (the tests' own look at Nova). */
export function adminSession(t: TestbedFacts = testbedFacts()): KeystoneSession {
  return new KeystoneSession({
    authUrl: t.keystone.authUrl,
    credentials: { kind: 'password', ...t.admin },
    region: t.keystone.region,
    interface: 'public',
    timeoutMs: 60_000,
  });
}

/** The testbed's per-host agent, as the driver runs it but straight from the test process. */
export async function hostSh(t: TestbedFacts, ...args: string[]): Promise<string> {
  const { stdout } = await run(t.ssh.hostScript, args, {
    env: { ...process.env, PATH: `/usr/bin:/usr/sbin:/bin:/sbin:${process.env['PATH'] ?? ''}` },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** The versions every compute host starts with (host.sh's initial markers). */
export const INITIAL_VERSIONS: Readonly<Record<string, string>> = {
  kernel: '6.1.76-1',
  openvswitch: '3.1.0-2',
  'nova-compute': '2:26.2.2-1~deb12u5',
};

/**
 * Puts the testbed back as a test expects it: every compute service enabled and up, the initial
 * versions installed and activated, no alarms, no fault files.
 */
export async function resetTestbed(t: TestbedFacts): Promise<void> {
  const s = adminSession(t);
  for (const host of t.computeHosts) {
    for (const f of ['fail-install', 'fail-restart', 'fail-reboot'])
      await run('rm', ['-f', join(TESTBED_DIR, 'hosts', host, f)]);
    const health = JSON.parse(await hostSh(t, host, 'health')) as {
      components: Record<string, string>;
      pendingActivation: string[];
    };
    const changed = Object.entries(INITIAL_VERSIONS).filter(([c, v]) => health.components[c] !== v);
    for (const [c, v] of changed) await hostSh(t, host, 'install', c, v);
    if (changed.length > 0 || health.pendingActivation.length > 0) await hostSh(t, host, 'reboot');
    await hostSh(t, host, 'clear-alarms');
  }
  const services = (await s.request('compute', 'GET', '/os-services?binary=nova-compute')).body as {
    services: { id: string; status: string }[];
  };
  for (const svc of services.services)
    if (svc.status !== 'enabled')
      await s.request('compute', 'PUT', `/os-services/${svc.id}`, { body: { status: 'enabled' } });
}

export interface ServerView {
  readonly id: string;
  readonly name: string;
  readonly host: string;
  readonly vmState: string;
  readonly powerState: number;
  readonly taskState: string | null;
}

/** Every server as Nova shows it now. */
export async function servers(s: KeystoneSession): Promise<ServerView[]> {
  const body = (await s.request('compute', 'GET', '/servers/detail?all_tenants=1')).body as {
    servers: Record<string, unknown>[];
  };
  return body.servers.map((x) => ({
    id: String(x['id']),
    name: String(x['name']),
    host: String(x['OS-EXT-SRV-ATTR:host']),
    vmState: String(x['OS-EXT-STS:vm_state']),
    powerState: Number(x['OS-EXT-STS:power_state']),
    taskState: (x['OS-EXT-STS:task_state'] as string | null) ?? null,
  }));
}

/** Server group → member server ids. */
export async function groups(s: KeystoneSession): Promise<Map<string, string[]>> {
  const body = (await s.request('compute', 'GET', '/os-server-groups?all_projects=true')).body as {
    server_groups: { name: string; members: string[]; policy?: string }[];
  };
  return new Map(
    body.server_groups
      .filter((g) => (g.policy ?? 'anti-affinity') === 'anti-affinity')
      .map((g) => [g.name, g.members]),
  );
}

/** What the watcher saw: samples taken, and every moment a rule was broken. */
export interface Watch {
  samples: number;
  readonly notActive: string[];
  readonly antiAffinity: string[];
  /** Server name → hosts in the order seen. */
  readonly hosts: Map<string, string[]>;
  stop(): Promise<void>;
}

/**
 * Looks at every server once a second until stopped: each must be active and running (a live
 * migration keeps it so), no two members of an anti-affinity group may share a host at any
 * sample, and the hosts each server was seen on are recorded.
 */
export function watchServers(s: KeystoneSession, everyMs = 1000): Watch {
  let running = true;
  const watch: Watch = {
    samples: 0,
    notActive: [],
    antiAffinity: [],
    hosts: new Map(),
    stop: async () => {
      running = false;
      await loop;
    },
  };
  const loop = (async () => {
    const members = await groups(s);
    while (running) {
      const now = await servers(s).catch(() => undefined);
      if (now !== undefined) {
        watch.samples++;
        const at = new Date().toISOString();
        for (const v of now) {
          if (v.vmState !== 'active' || v.powerState !== 1)
            watch.notActive.push(`${at} ${v.name}: ${v.vmState}/${v.powerState}`);
          const seen = watch.hosts.get(v.name) ?? [];
          if (seen[seen.length - 1] !== v.host) watch.hosts.set(v.name, [...seen, v.host]);
        }
        for (const [group, ids] of members) {
          const hosts = now.filter((v) => ids.includes(v.id)).map((v) => v.host);
          if (new Set(hosts).size < hosts.length)
            watch.antiAffinity.push(`${at} ${group}: ${hosts.join(', ')}`);
        }
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return watch;
}

/** Completed migrations of the testbed's servers created after `since` (ISO time). */
export async function migrationsSince(
  s: KeystoneSession,
  since: string,
): Promise<{ server: string; status: string; from: string; to: string }[]> {
  const body = (
    await s.request('compute', 'GET', `/os-migrations?changes-since=${encodeURIComponent(since)}`)
  ).body as {
    migrations: {
      instance_uuid: string;
      status: string;
      source_compute: string;
      dest_compute: string | null;
      created_at: string;
    }[];
  };
  const from = Date.parse(since);
  return body.migrations
    .filter((m) => Date.parse(`${m.created_at}Z`) >= from)
    .map((m) => ({
      server: m.instance_uuid,
      status: m.status,
      from: m.source_compute,
      to: m.dest_compute ?? '',
    }));
}
