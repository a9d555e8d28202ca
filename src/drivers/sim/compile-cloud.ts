/**
 * A generated cloud's documents compiled as Escalator compiles files it reads (validated, then
 * compiled), for the demo, the engine's tests and benches.
 */
import {
  campaignFromDocument,
  catalogFromDocument,
  inventoryFromDocument,
} from '../../campaign/documents.js';
import { NO_SOURCE } from '../../campaign/source-map.js';
import type { Campaign, Catalog, Inventory } from '../../model/index.js';
import type { GeneratedCloud } from './generate.js';

export interface CompiledCloud {
  readonly inventory: Inventory;
  readonly catalog: Catalog;
  readonly campaign: Campaign;
}

export function compileCloud(cloud: GeneratedCloud, name = 'generated'): CompiledCloud {
  const asParsed = (data: unknown, file: string) => ({
    file,
    format: 'json' as const,
    readable: true,
    data,
    problems: [],
    source: NO_SOURCE,
  });
  const inventory = inventoryFromDocument(asParsed(cloud.inventory, `${name} inventory`));
  const catalog = catalogFromDocument(asParsed(cloud.catalog, `${name} catalog`));
  const campaign = campaignFromDocument(asParsed(cloud.campaign, `${name} campaign`), {
    inventory,
    catalog,
  });
  return { inventory, catalog, campaign };
}
