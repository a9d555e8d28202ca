/**
 * The only code of campaign/ that touches the file system: a document's text, parsed. Light on
 * purpose (no schemas, no validator): `escalator plan` reads and plans while a worker validates.
 */
import { readFile } from 'node:fs/promises';
import { EscalatorError } from '../model/errors.js';
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
