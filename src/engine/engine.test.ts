import { afterEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from './testing/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('engine: smooth upgrade on the twin', () => {
  it('upgrades every target host, restores scale-up and applies no side effect twice', async () => {
    h = await harness();
    const { engine, cloud, sim } = h;
    const before = await sim.getScaleUp();
    const result = await engine.apply({ campaign: cloud.campaign, catalog: cloud.catalog });
    expect(result.error).toBeUndefined();
    expect(result.run.state).toBe('completed');
    const after = await sim.discover();
    for (const u of cloud.campaign.upgrades) {
      const hosts = after.hosts.filter((x) => x.components.some((c) => c.name === u.component));
      for (const host of hosts)
        expect(host.components.find((c) => c.name === u.component)?.version, host.name).toBe(u.to);
    }
    expect(await sim.getScaleUp()).toEqual(before);
    expect(sim.duplicates()).toEqual([]);
    expect(after.hosts.every((x) => x.schedulable)).toBe(true);
  });
});
