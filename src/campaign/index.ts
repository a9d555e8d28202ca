/**
 * campaign/: Inventory, Catalog and Campaign documents (YAML or JSON) → model types, with
 * every problem reported at once (file, line, column, path, expected, found).
 *
 *   loadInventory(path) / loadCatalog(path) / loadCampaign(path, {inventory, catalog})
 *   inventoryFromText(text, file) / catalogFromText / campaignFromText   (same, from text)
 *   parseDocument(text, file) → ParsedDocument; documentProblems(parsed, kind)
 *   validateCampaignAgainst(parsed, inventory, catalog)
 *   compileInventory(doc) / compileCatalog(doc) / compileCampaign(doc)   (valid documents)
 *   formatProblems(problems), DocumentError (ESC_DOCUMENT_INVALID, exit 2)
 */
export { parseDocument, formatOf, type ParsedDocument, type DocumentFormat } from './load.js';
export {
  loadDocumentFile,
  loadInventory,
  loadInventoryHosts,
  loadCatalog,
  loadCampaign,
} from './files.js';
export {
  documentProblems,
  validateCampaignAgainst,
  inventoryFromDocument,
  inventoryHostsFromDocument,
  catalogFromDocument,
  campaignFromDocument,
  inventoryFromText,
  catalogFromText,
  campaignFromText,
  type CampaignContext,
} from './documents.js';
export { compileInventory, compileInventoryHosts } from './compile-inventory.js';
export type { CampaignInventory } from './check-campaign.js';
export { compileCatalog } from './compile-catalog.js';
export { compileCampaign } from './compile-campaign.js';
export {
  DocumentError,
  isDocumentError,
  formatProblem,
  formatProblems,
  type DocumentProblem,
} from './problems.js';
export { INVENTORY_DEFAULTS, CATALOG_DEFAULTS, CAMPAIGN_DEFAULTS } from './defaults.js';
export * from './schema.js';
export { inventoryDocument } from './inventory-document.js';
