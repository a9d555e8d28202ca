/** Reading the three documents a planning command needs, every problem of every file at once. */
import {
  loadCampaign,
  loadCatalog,
  loadInventory,
  loadInventoryHosts,
  DocumentError,
  isDocumentError,
  type CampaignInventory,
} from '../campaign/index.js';
import type { Campaign, Catalog, Inventory } from '../model/index.js';

export interface PlanningFiles {
  readonly inventory: string;
  readonly catalog: string;
  readonly campaign: string;
}

export async function loadPlanningInput(
  files: PlanningFiles,
): Promise<{ inventory: Inventory; catalog: Catalog; campaign: Campaign }> {
  return loadDocuments(files, loadInventory);
}

/**
 * What `loadPlanningInput` throws, nothing when it would succeed; compiles of the inventory only
 * what the campaign is checked against (validate-worker.ts runs it while the planner plans).
 */
export async function validatePlanningFiles(files: PlanningFiles): Promise<void> {
  await loadDocuments(files, loadInventoryHosts);
}

async function loadDocuments<I extends CampaignInventory>(
  files: PlanningFiles,
  loadInventoryFile: (path: string) => Promise<I>,
): Promise<{ inventory: I; catalog: Catalog; campaign: Campaign }> {
  const [inventory, catalog] = await Promise.allSettled([
    loadInventoryFile(files.inventory),
    loadCatalog(files.catalog),
  ]);
  const failed = [inventory, catalog].filter(
    (r): r is PromiseRejectedResult => r.status === 'rejected',
  );
  if (failed.length > 0) {
    const docErrors = failed.map((f) => f.reason as unknown).filter(isDocumentError);
    if (docErrors.length === failed.length)
      throw new DocumentError(docErrors.flatMap((e) => e.problems));
    throw failed.find((f) => !isDocumentError(f.reason))?.reason;
  }
  const inv = (inventory as PromiseFulfilledResult<I>).value;
  const cat = (catalog as PromiseFulfilledResult<Catalog>).value;
  const campaign = await loadCampaign(files.campaign, { inventory: inv, catalog: cat });
  return { inventory: inv, catalog: cat, campaign };
}
