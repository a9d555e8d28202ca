/** The only file-system use of the sim driver: reading a Scenario document. */
import { loadDocumentFile } from '../../campaign/files.js';
import { scenarioFromDocument, type Scenario } from './scenario.js';

/** @throws EscalatorError (ESC_FILE_UNREADABLE) or DocumentError (ESC_DOCUMENT_INVALID). */
export async function loadScenario(path: string): Promise<Scenario> {
  return scenarioFromDocument(await loadDocumentFile(path));
}
