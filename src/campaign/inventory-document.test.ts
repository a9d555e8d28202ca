import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { INVENTORY_SHAPES, generateCloud } from '../drivers/sim/generate.js';
import { compileInventory, inventoryFromText } from './index.js';
import { inventoryDocument } from './inventory-document.js';

describe('an inventory written back as a document', () => {
  it('validates and compiles to the same inventory (generated clouds of every shape)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 60 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom(...INVENTORY_SHAPES),
        fc.integer({ min: 1, max: 2 }),
        (hosts, seed, shape, sites) => {
          const generated = compileInventory(
            generateCloud({ hosts, seed, shape, sites }).inventory,
          );
          const text = stringify(inventoryDocument(generated, 'written back'));
          expect(inventoryFromText(text, 'exported.yaml')).toEqual(generated);
        },
      ),
      { numRuns: 40 },
    );
  });
});
