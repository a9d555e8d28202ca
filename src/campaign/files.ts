/** Documents from files, validated and compiled (reading itself is in read.ts). */
import type { Campaign } from '../model/campaign.js';
import type { Catalog } from '../model/catalog.js';
import type { Inventory } from '../model/inventory.js';
import type { CampaignInventory } from './check-campaign.js';
import {
  campaignFromDocument,
  catalogFromDocument,
  inventoryFromDocument,
  inventoryHostsFromDocument,
  type CampaignContext,
} from './documents.js';
import { loadDocumentFile } from './read.js';

export { loadDocumentFile } from './read.js';

/** @throws EscalatorError (ESC_FILE_UNREADABLE) or DocumentError (ESC_DOCUMENT_INVALID). */
export async function loadInventory(path: string): Promise<Inventory> {
  return inventoryFromDocument(await loadDocumentFile(path));
}

/** As `loadInventory`, compiling only what a campaign is checked against. */
export async function loadInventoryHosts(path: string): Promise<CampaignInventory> {
  return inventoryHostsFromDocument(await loadDocumentFile(path));
}

/** @throws EscalatorError (ESC_FILE_UNREADABLE) or DocumentError (ESC_DOCUMENT_INVALID). */
export async function loadCatalog(path: string): Promise<Catalog> {
  return catalogFromDocument(await loadDocumentFile(path));
}

/** @throws EscalatorError (ESC_FILE_UNREADABLE) or DocumentError (ESC_DOCUMENT_INVALID). */
export async function loadCampaign(path: string, context: CampaignContext): Promise<Campaign> {
  return campaignFromDocument(await loadDocumentFile(path), context);
}
