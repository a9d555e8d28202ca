/**
 * The openstack driver against the real Keystone, Nova and Placement of the testbed: both ways to
 * authenticate, one token for many calls, discovery, scheduling with reasons (never re-enabling
 * a host an operator disabled), a migration that Nova refuses, and the scale-up guard's exact
 * restore. Runs with `npm run test:openstack`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriverError, schedulingReason } from '../driver.js';
import type { OpenStackDriver } from './driver.js';
import { KeystoneSession } from './keystone.js';
import { openOpenStack } from './index.js';
import {
  adminSession,
  resetTestbed,
  servers,
  testbedFacts,
  testbedTarget,
  type TestbedFacts,
} from './testing/testbed.js';

let facts: TestbedFacts;
let driver: OpenStackDriver;
const ctx = (key: string) => ({
  idempotencyKey: `test/${key}`,
  campaign: 'driver-test',
  run: 'r1',
});

beforeAll(async () => {
  facts = testbedFacts();
  await resetTestbed(facts);
  driver = openOpenStack(testbedTarget(facts));
}, 600_000);

afterAll(async () => {
  await driver?.close();
});

describe('the openstack driver on the testbed', () => {
  it('authenticates with a password and with an application credential, and negotiates Nova 2.88', async () => {
    const password = adminSession(facts);
    expect(await password.microversion('compute')).toBe('2.88');
    expect(await password.microversion('placement')).toBe('1.39');
    const appCred = new KeystoneSession({
      authUrl: facts.keystone.authUrl,
      credentials: { kind: 'application-credential', ...facts.appCredential },
      region: facts.keystone.region,
      interface: 'public',
      timeoutMs: 30_000,
    });
    const r = await appCred.request('compute', 'GET', '/os-services?binary=nova-compute');
    expect((r.body as { services: unknown[] }).services).toHaveLength(4);
  });

  it('discovers the cloud with one token for all its calls', async () => {
    const fresh = openOpenStack(testbedTarget(facts));
    try {
      const inv = await fresh.discover();
      expect(inv.hosts.map((h) => h.name)).toEqual([...facts.computeHosts].sort());
      expect(inv.instances).toHaveLength(8);
      expect(inv.vnfs.map((v) => v.name).sort()).toEqual(['vnf-a', 'vnf-b']);
      for (const h of inv.hosts) {
        expect(h.capacity.vcpu).toBeGreaterThan(0);
        expect(h.components.find((c) => c.name === 'nova-compute')?.version).toBe(
          '2:26.2.2-1~deb12u5',
        );
      }
      const calls = fresh.apiCalls();
      expect(calls.byKind['identity POST /auth/tokens']).toBe(1);
      expect(calls.total).toBeGreaterThan(8);
    } finally {
      await fresh.close();
    }
  });

  it('disables a host with the campaign’s reason and enables it again; leaves an operator’s disable alone', async () => {
    const host = facts.computeHosts[0] as string;
    await driver.setScheduling(
      host,
      { enabled: false, reason: schedulingReason('driver-test') },
      ctx('off'),
    );
    expect(await driver.getScheduling(host)).toEqual({
      enabled: false,
      reason: schedulingReason('driver-test'),
    });
    await driver.setScheduling(host, { enabled: true }, ctx('on'));
    expect(await driver.getScheduling(host)).toEqual({ enabled: true });

    // An operator disables it for their own reason: Escalator's disable keeps that reason, and
    // its enable refuses.
    const admin = adminSession(facts);
    const svc = (
      (await admin.request('compute', 'GET', `/os-services?binary=nova-compute&host=${host}`))
        .body as { services: { id: string }[] }
    ).services[0] as { id: string };
    await admin.request('compute', 'PUT', `/os-services/${svc.id}`, {
      body: { status: 'disabled', disabled_reason: 'RAM test by the night shift' },
    });
    try {
      const kept = await driver.setScheduling(host, { enabled: false }, ctx('off-2'));
      expect(kept.reason).toBe('RAM test by the night shift');
      const refused = await driver
        .setScheduling(host, { enabled: true }, ctx('on-2'))
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DriverError);
      expect(refused).toMatchObject({ kind: 'rejected' });
      expect((refused as Error).message).toMatch(/disabled by someone else \(RAM test/);
    } finally {
      await admin.request('compute', 'PUT', `/os-services/${svc.id}`, {
        body: { status: 'enabled' },
      });
    }
  });

  it('a live migration Nova cannot place is accepted (202) and then reported failed, the server untouched', async () => {
    await driver.discover();
    const inv = await driver.discover();
    // A member of an anti-affinity group sent onto a host that holds another member.
    const vnfA = inv.instances.filter((i) => i.vnf === 'vnf-a');
    const [one, two] = vnfA as [(typeof vnfA)[number], (typeof vnfA)[number]];
    const before = await servers(adminSession(facts));
    const started = await driver.migrate(
      { instance: one.name, mode: 'live', destination: two.host, from: one.host },
      ctx('no-valid-host'),
    );
    let status = started;
    for (let i = 0; i < 60 && (status.state === 'queued' || status.state === 'running'); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      status = await driver.migrationStatus(status.id);
    }
    expect(status.state).toBe('failed');
    const after = await servers(adminSession(facts));
    expect(after.find((s) => s.name === one.name)?.host).toBe(
      before.find((s) => s.name === one.name)?.host,
    );
    // Asking again under the same key answers the same migration, not a new one.
    expect(
      (
        await driver.migrate(
          { instance: one.name, mode: 'live', destination: two.host },
          ctx('no-valid-host'),
        )
      ).id,
    ).toBe(status.id);
  });

  it('closes and restores the tenant quotas exactly (the scale-up guard)', async () => {
    const original = await driver.getScaleUp();
    expect(original.enabled).toBe(true);
    const closed = await driver.setScaleUp(
      { enabled: false, detail: original.detail },
      ctx('close'),
    );
    expect(closed.enabled).toBe(false);
    const restored = await driver.setScaleUp(original, ctx('restore'));
    expect(restored).toEqual(original);
  });

  it('an unknown server is rejected with its name', async () => {
    const e = await driver
      .migrate({ instance: 'no-such-server', mode: 'live' }, ctx('unknown'))
      .catch((error: unknown) => error);
    expect(e).toMatchObject({ kind: 'rejected' });
    expect((e as Error).message).toMatch(/no server no-such-server/);
  });
});
