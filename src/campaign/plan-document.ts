/** Reading a plan back (for `escalator plan verify`): the same positioned problems as other documents. */
import { Ajv } from 'ajv';
import type { Plan } from '../model/index.js';
import type { ParsedDocument } from './load.js';
import { PlanDocumentSchema, type PlanDocument } from './plan-schema.js';
import { DocumentError, positionProblems, sortProblems } from './problems.js';
import { explainErrors } from './schema-check.js';

const validate = new Ajv({ allErrors: true, strict: true }).compile<PlanDocument>(
  PlanDocumentSchema,
);

/** @throws DocumentError with every problem of the plan document. */
export function planFromDocument(parsed: ParsedDocument): Plan {
  if (!parsed.readable || parsed.problems.length > 0)
    throw new DocumentError(sortProblems(parsed.problems));
  if (!validate(parsed.data))
    throw new DocumentError(
      sortProblems(
        positionProblems(
          explainErrors(validate.errors ?? [], PlanDocumentSchema, parsed.data),
          parsed.file,
          parsed.source,
        ),
      ),
    );
  const { apiVersion, kind, ...plan } = parsed.data;
  return plan;
}
