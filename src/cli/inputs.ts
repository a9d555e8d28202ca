/** Reading the three documents a planning command needs, every problem of every file at once. */
import {
  loadCampaign,
  loadCatalog,
  loadInventory,
  DocumentError,
  isDocumentError,
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
  const [inventory, catalog] = await Promise.allSettled([
    loadInventory(files.inventory),
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
  const inv = (inventory as PromiseFulfilledResult<Inventory>).value;
  const cat = (catalog as PromiseFulfilledResult<Catalog>).value;
  const campaign = await loadCampaign(files.campaign, { inventory: inv, catalog: cat });
  return { inventory: inv, catalog: cat, campaign };
}
