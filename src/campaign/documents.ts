/**
 * The whole road from parsed text to model: syntax, kind, schema, meaning, and for a campaign
 * its fit with the inventory and catalog; then compilation. Every problem found on the way is
 * reported together, each location once (the first, most basic problem wins).
 */
import type { Campaign } from '../model/campaign.js';
import type { Catalog } from '../model/catalog.js';
import type { Inventory } from '../model/inventory.js';
import { checkCampaign, checkCampaignAgainst, type CampaignInventory } from './check-campaign.js';
import { checkCatalog } from './check-catalog.js';
import { checkInventory } from './check-inventory.js';
import { compileCampaign } from './compile-campaign.js';
import { compileCatalog } from './compile-catalog.js';
import { compileInventory, compileInventoryHosts } from './compile-inventory.js';
import { describeValue } from './describe.js';
import { parseDocument, type ParsedDocument } from './load.js';
import { formatPath, isRecord } from './path.js';
import {
  DocumentError,
  positionProblems,
  sortProblems,
  type DocumentProblem,
  type PendingProblem,
} from './problems.js';
import { schemaProblems } from './schema-check.js';
import type {
  CampaignDocument,
  CatalogDocument,
  DocumentKind,
  InventoryDocument,
} from './schema.js';

export interface CampaignContext {
  readonly inventory: CampaignInventory;
  readonly catalog: Catalog;
}

const KINDS: readonly string[] = ['Inventory', 'Catalog', 'Campaign'] satisfies DocumentKind[];

const MEANING: Readonly<Record<DocumentKind, (doc: unknown) => PendingProblem[]>> = {
  Inventory: checkInventory,
  Catalog: checkCatalog,
  Campaign: checkCampaign,
};

/** Every problem of a document read as `kind`: syntax, kind, schema and meaning. */
export function documentProblems(parsed: ParsedDocument, kind: DocumentKind): DocumentProblem[] {
  return problemsWith(parsed, kind, () => []);
}

/** Problems of a campaign against the inventory and catalog it is meant for. */
export function validateCampaignAgainst(
  parsed: ParsedDocument,
  inventory: CampaignInventory,
  catalog: Catalog,
): DocumentProblem[] {
  if (!parsed.readable) return [];
  return positionProblems(
    checkCampaignAgainst(parsed.data, inventory, catalog),
    parsed.file,
    parsed.source,
  );
}

function problemsWith(
  parsed: ParsedDocument,
  kind: DocumentKind,
  more: () => PendingProblem[],
): DocumentProblem[] {
  if (!parsed.readable) return sortProblems(parsed.problems);
  const pending = pendingProblems(parsed.data, kind, more);
  return sortProblems([
    ...parsed.problems,
    ...positionProblems(pending, parsed.file, parsed.source),
  ]);
}

function pendingProblems(
  data: unknown,
  kind: DocumentKind,
  more: () => PendingProblem[],
): PendingProblem[] {
  if (!isRecord(data)) return [notADocument(data, kind)];
  const wrongKind = kindProblem(data, kind);
  if (wrongKind !== undefined) return [wrongKind];
  return oncePerLocation([...schemaProblems(kind, data), ...MEANING[kind](data), ...more()]);
}

function oncePerLocation(problems: readonly PendingProblem[]): PendingProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.at ?? 'value'} ${formatPath(p.path)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const article = (word: string): string => (/^[AEIOU]/i.test(word) ? 'an' : 'a');

function notADocument(data: unknown, kind: DocumentKind): PendingProblem {
  const expected = `${article(kind)} ${kind} document: an object with apiVersion, kind, metadata and spec`;
  const empty = data === null || data === undefined;
  return {
    path: [],
    expected,
    found: empty ? 'an empty document' : describeValue(data),
    message: empty
      ? `the document is empty: expected ${expected}`
      : `expected ${expected}, found ${describeValue(data)}`,
  };
}

function kindProblem(
  data: Readonly<Record<string, unknown>>,
  expected: DocumentKind,
): PendingProblem | undefined {
  const kind = data.kind;
  if (typeof kind !== 'string' || kind === expected || !KINDS.includes(kind)) return undefined;
  return {
    path: ['kind'],
    expected,
    found: kind,
    message: `expected kind ${expected}, found ${kind}: this file is ${article(kind)} ${kind.toLowerCase()}, not ${article(expected)} ${expected.toLowerCase()}`,
  };
}

function throwIfAny(problems: readonly DocumentProblem[]): void {
  if (problems.length > 0) throw new DocumentError(problems);
}

/** @throws DocumentError with every problem of the document. */
export function inventoryFromDocument(parsed: ParsedDocument): Inventory {
  throwIfAny(documentProblems(parsed, 'Inventory'));
  return compileInventory(parsed.data as InventoryDocument);
}

/** As `inventoryFromDocument`, compiling only what a campaign is checked against. */
export function inventoryHostsFromDocument(parsed: ParsedDocument): CampaignInventory {
  throwIfAny(documentProblems(parsed, 'Inventory'));
  return compileInventoryHosts(parsed.data as InventoryDocument);
}

/** @throws DocumentError with every problem of the document. */
export function catalogFromDocument(parsed: ParsedDocument): Catalog {
  throwIfAny(documentProblems(parsed, 'Catalog'));
  return compileCatalog(parsed.data as CatalogDocument);
}

/** @throws DocumentError with every problem of the campaign, its fit with `context` included. */
export function campaignFromDocument(parsed: ParsedDocument, context: CampaignContext): Campaign {
  throwIfAny(
    problemsWith(parsed, 'Campaign', () =>
      checkCampaignAgainst(parsed.data, context.inventory, context.catalog),
    ),
  );
  return compileCampaign(parsed.data as CampaignDocument);
}

export const inventoryFromText = (text: string, file: string): Inventory =>
  inventoryFromDocument(parseDocument(text, file));

export const catalogFromText = (text: string, file: string): Catalog =>
  catalogFromDocument(parseDocument(text, file));

export const campaignFromText = (text: string, file: string, context: CampaignContext): Campaign =>
  campaignFromDocument(parseDocument(text, file), context);
