import { describe, expect, it } from 'vitest';
import { compileInventory } from '../../campaign/index.js';
import type { MigrationStatus } from '../driver.js';
import { SimDriver } from './driver.js';
import { generateCloud } from './generate.js';

describe('sim driver at scale', () => {
  it('runs 1,000 concurrent live migrations on a generated 10,000-host cloud correctly', async () => {
    const inventory = compileInventory(generateCloud({ hosts: 10_000, seed: 42 }).inventory);
    const started = performance.now();
    const sim = new SimDriver(inventory);
    const built = performance.now();
    // Spread over the cloud: 1,000 moves out of one 65-host placement group would fill it.
    const live = inventory.instances.filter((i) => i.migration === 'live');
    const stride = Math.floor(live.length / 1000);
    const movers = live.filter((_, n) => n % stride === 0).slice(0, 1000);
    expect(movers).toHaveLength(1000);

    const statuses = await Promise.all(
      movers.map(async (i, n): Promise<MigrationStatus> => {
        const ctx = { idempotencyKey: `scale/${n}`, campaign: 'scale', run: 'r' };
        const m = await sim.migrate({ instance: i.name, mode: 'live' }, ctx);
        for (;;) {
          const s = await sim.migrationStatus(m.id);
          if (s.state !== 'queued' && s.state !== 'running') return s;
          await sim.sleep(5);
        }
      }),
    );
    const wall = performance.now() - started;
    console.log(
      `sim scale: built the twin of ${inventory.hosts.length} hosts / ${inventory.instances.length} instances in ${(built - started).toFixed(0)} ms; 1000 live migrations took ${wall.toFixed(0)} ms wall, ${sim.now().toFixed(1)} s virtual`,
    );

    expect(statuses.filter((s) => s.state !== 'completed')).toEqual([]);
    const after = await sim.discover();
    const placed = new Map(after.instances.map((i) => [i.name, i.host]));
    for (const s of statuses) {
      expect(placed.get(s.instance)).toBe(s.destination);
      expect(s.destination).not.toBe(s.source);
    }
    // Capacity holds everywhere and the accounting matches the placement.
    const flavors = new Map(after.flavors.map((f) => [f.name, f]));
    const used = new Map<string, { vcpu: number; mem: number }>();
    for (const i of after.instances) {
      const f = flavors.get(i.flavor);
      const u = used.get(i.host) ?? { vcpu: 0, mem: 0 };
      u.vcpu += f?.vcpu ?? 0;
      u.mem += f?.memoryMiB ?? 0;
      used.set(i.host, u);
    }
    for (const h of after.hosts) {
      const u = used.get(h.name) ?? { vcpu: 0, mem: 0 };
      expect(u.vcpu).toBeLessThanOrEqual(h.capacity.vcpu);
      expect(u.mem).toBeLessThanOrEqual(h.capacity.memoryMiB);
      expect(sim.world.host(h.name)?.usedVcpu).toBe(u.vcpu);
    }
    // Strict anti-affinity holds.
    const strict = new Set(
      after.vnfs.filter((v) => v.antiAffinity === 'strict').map((v) => v.name),
    );
    const seen = new Set<string>();
    for (const i of after.instances)
      if (i.vnf !== undefined && strict.has(i.vnf)) {
        const key = `${i.vnf}@${i.host}`;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
      }
    expect(sim.sideEffects()).toEqual({ migrate: 1000 });
    expect(sim.duplicates()).toEqual([]);
  });
});
