import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EscalatorError } from '../model/errors.js';
import {
  DocumentError,
  loadCampaign,
  loadCatalog,
  loadDocumentFile,
  loadInventory,
} from './index.js';
import {
  CAMPAIGN_YAML,
  CATALOG_YAML,
  INVENTORY_YAML,
  largeInventory,
} from './testing/documents.js';

let dir = '';
const file = (name: string): string => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'escalator-campaign-'));
  await writeFile(file('inventory.yaml'), INVENTORY_YAML);
  await writeFile(file('catalog.yaml'), CATALOG_YAML);
  await writeFile(file('campaign.yaml'), CAMPAIGN_YAML);
  await writeFile(file('bad.yaml'), 'kind: Inventory\n');
  await writeFile(
    file('large.json'),
    JSON.stringify(
      largeInventory({ hosts: 2000, instancesPerHost: 20, instancesPerVnf: 10 }),
      null,
      2,
    ),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loading documents from files', () => {
  it('loads an inventory, a catalog and a campaign checked against both', async () => {
    const inventory = await loadInventory(file('inventory.yaml'));
    const catalog = await loadCatalog(file('catalog.yaml'));
    const campaign = await loadCampaign(file('campaign.yaml'), { inventory, catalog });
    expect([inventory.name, catalog.name, campaign.name]).toEqual([
      'lab',
      'antelope',
      'to-antelope',
    ]);
  });

  it('names the file, as given, in every problem', async () => {
    const error: unknown = await loadInventory(file('bad.yaml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentError);
    expect((error as DocumentError).problems.every((p) => p.file === file('bad.yaml'))).toBe(true);
  });

  it('says plainly when a file cannot be read', async () => {
    const missing: unknown = await loadDocumentFile(file('missing.yaml')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(EscalatorError);
    expect(missing).toMatchObject({
      code: 'ESC_FILE_UNREADABLE',
      message: `cannot read ${file('missing.yaml')}: no such file`,
    });
    const folder: unknown = await loadDocumentFile(dir).catch((e: unknown) => e);
    expect(folder).toMatchObject({
      code: 'ESC_FILE_UNREADABLE',
      message: `cannot read ${dir}: it is a directory`,
    });
  });

  it('loads a large JSON inventory completely', async () => {
    const inventory = await loadInventory(file('large.json'));
    expect(inventory.hosts).toHaveLength(2000);
    expect(inventory.instances).toHaveLength(40_000);
    expect(inventory.vnfs).toHaveLength(4000);
    expect(inventory.instances[39_999]).toEqual({
      name: 'vm-39999',
      host: 'compute-1999',
      flavor: 'm1.large',
      migration: 'live',
      toleratedInterruptionMs: 500,
      vnf: 'vnf-3999',
    });
  });
});
