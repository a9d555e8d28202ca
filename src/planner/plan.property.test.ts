/**
 * The planner against the independent plan checker on ≥ 500 seeded random clouds — dense,
 * sparse, unbalanced, tight capacity, big VNF groups — with random campaign settings. Every
 * plan of every strategy must pass the checker, never beat its own lower bound, and account for
 * every target host (planned, or held back with a blocker that says why).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCampaign, compileCatalog, compileInventory } from '../campaign/index.js';
import { generateCloud, INVENTORY_SHAPES } from '../drivers/sim/generate.js';
import { STRATEGIES, type Campaign } from '../model/index.js';
import { plan, verifyPlan } from './index.js';

const settings = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  hosts: fc.integer({ min: 10, max: 60 }),
  shape: fc.constantFrom(...INVENTORY_SHAPES),
  utilisation: fc.option(fc.double({ min: 0.2, max: 0.95, noNaN: true }), { nil: undefined }),
  mode: fc.constantFrom('smooth' as const, 'smooth' as const, 'non-smooth' as const),
  instanceAction: fc.constantFrom(
    'live-migrate' as const,
    'live-migrate' as const,
    'switch-over' as const,
    'cold-migrate' as const,
    'stop-start' as const,
  ),
  maxParallel: fc.oneof(
    fc.integer({ min: 1, max: 8 }).map((value) => ({ kind: 'absolute' as const, value })),
    fc.integer({ min: 5, max: 50 }).map((value) => ({ kind: 'percent' as const, value })),
  ),
  rackLimit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
});

describe('planner on seeded random clouds', () => {
  it('makes plans the checker accepts, within their bounds, for every strategy (≥ 500 clouds)', () => {
    let clouds = 0;
    fc.assert(
      fc.property(settings, (s) => {
        const cloud = generateCloud({
          hosts: s.hosts,
          seed: s.seed,
          shape: s.shape,
          ...(s.utilisation !== undefined ? { utilisation: s.utilisation } : {}),
        });
        const inventory = compileInventory(cloud.inventory);
        const catalog = compileCatalog(cloud.catalog);
        const base = compileCampaign(cloud.campaign);
        const campaign: Campaign = {
          ...base,
          mode: s.mode,
          rollout: {
            ...base.rollout,
            instanceAction: s.instanceAction,
            maxParallel: s.maxParallel,
            maxPerFailureDomain: s.rackLimit === undefined ? {} : { rack: s.rackLimit },
          },
        };
        const input = { inventory, catalog, campaign };
        clouds++;
        for (const strategy of STRATEGIES) {
          const p = plan(input, { strategy });
          const violation = verifyPlan(p, input);
          expect(
            violation,
            `${strategy} ${JSON.stringify(s)}: ${violation?.message}`,
          ).toBeUndefined();
          // The bounds hold for complete plans; a partial plan says why with a blocker.
          if (p.unplanned.length === 0)
            expect(p.summary.waves).toBeGreaterThanOrEqual(p.summary.wavesLowerBound);
          else expect(p.findings.some((f) => f.severity === 'blocker')).toBe(true);
        }
      }),
      { numRuns: 520, seed: 20261125 },
    );
    expect(clouds).toBeGreaterThanOrEqual(500);
  });

  it('plan generated clouds at 70 % utilisation close to their bound, moving instances about once', () => {
    // A guard on quality, with margins measured at the time of writing (bench/results/plan.md
    // has the figures at 100, 1,000 and 10,000 hosts): before wave classes and the warm-up
    // wave, seed 2 took 24 waves against a bound of 21 and 1.065 migrations per instance.
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const cloud = generateCloud({ hosts: 100, seed, utilisation: 0.7 });
      const input = {
        inventory: compileInventory(cloud.inventory),
        catalog: compileCatalog(cloud.catalog),
        campaign: compileCampaign(cloud.campaign),
      };
      const { summary, unplanned } = plan(input, { strategy: 'optimised' });
      expect(unplanned).toEqual([]);
      expect(summary.waves, `seed ${seed}`).toBeLessThanOrEqual(1.2 * summary.wavesLowerBound);
      expect(summary.migrations, `seed ${seed}`).toBeLessThanOrEqual(1.02 * summary.instances);
    }
  });
});
