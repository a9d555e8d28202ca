/**
 * withPlanningInput on the main thread only: under vitest the worker's module is TypeScript,
 * which a worker thread cannot load, so this exercises the fallback (validate here, after the
 * work). The CLI tests (cli.test.ts) run the built command, worker thread included.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentError } from '../campaign/index.js';
import { CAMPAIGN_YAML, CATALOG_YAML, INVENTORY_YAML } from '../campaign/testing/documents.js';
import { withPlanningInput } from './planning-input.js';

let dir = '';
const files = (inventory = 'inventory.yaml') => ({
  inventory: join(dir, inventory),
  catalog: join(dir, 'catalog.yaml'),
  campaign: join(dir, 'campaign.yaml'),
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'escalator-input-'));
  await writeFile(join(dir, 'inventory.yaml'), INVENTORY_YAML);
  await writeFile(join(dir, 'catalog.yaml'), CATALOG_YAML);
  await writeFile(join(dir, 'campaign.yaml'), CAMPAIGN_YAML);
  await writeFile(
    join(dir, 'bad-flavor.yaml'),
    INVENTORY_YAML.replace(
      '{name: db, host: compute-1, flavor: m1.small',
      '{name: db, host: compute-1, flavor: m9.huge',
    ),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('withPlanningInput', () => {
  it('works on valid documents and answers what the work answers', async () => {
    const names = await withPlanningInput(files(), (input) => [
      input.inventory.name,
      input.catalog.name,
      input.campaign.name,
    ]);
    expect(names).toEqual(['lab', 'antelope', 'to-antelope']);
  });

  it("throws the documents' problems, not what the work made of them", async () => {
    const error: unknown = await withPlanningInput(files('bad-flavor.yaml'), () => {
      throw new Error('the work tripped on the invalid inventory');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentError);
    expect((error as DocumentError).message).toContain('unknown flavor "m9.huge"');
  });

  it("throws the work's own error when the documents are valid", async () => {
    const error: unknown = await withPlanningInput(files(), () => {
      throw new RangeError('a bug in the work');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
  });
});
