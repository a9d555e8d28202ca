/** The only code of campaign/ that touches the file system. */
import { readFile } from 'node:fs/promises';
import type { Campaign } from '../model/campaign.js';
import type { Catalog } from '../model/catalog.js';
import { EscalatorError } from '../model/errors.js';
import type { Inventory } from '../model/inventory.js';
import {
  campaignFromDocument,
  catalogFromDocument,
  inventoryFromDocument,
  type CampaignContext,
} from './documents.js';
import { parseDocument, type ParsedDocument } from './load.js';

/** @throws EscalatorError ESC_FILE_UNREADABLE when the file cannot be read. */
export async function loadDocumentFile(path: string): Promise<ParsedDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new EscalatorError('ESC_FILE_UNREADABLE', `cannot read ${path}: ${readFailure(error)}`);
  }
  return parseDocument(text, path);
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

function readFailure(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  return REASONS[code] ?? (error instanceof Error ? error.message : String(error));
}

/** @throws EscalatorError (ESC_FILE_UNREADABLE) or DocumentError (ESC_DOCUMENT_INVALID). */
export async function loadInventory(path: string): Promise<Inventory> {
  return inventoryFromDocument(await loadDocumentFile(path));
}

/** @throws EscalatorError (ESC_FILE_UNREADABLE) or DocumentError (ESC_DOCUMENT_INVALID). */
export async function loadCatalog(path: string): Promise<Catalog> {
  return catalogFromDocument(await loadDocumentFile(path));
}

/** @throws EscalatorError (ESC_FILE_UNREADABLE) or DocumentError (ESC_DOCUMENT_INVALID). */
export async function loadCampaign(path: string, context: CampaignContext): Promise<Campaign> {
  return campaignFromDocument(await loadDocumentFile(path), context);
}
