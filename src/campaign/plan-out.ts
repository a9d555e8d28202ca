/** A plan as a Plan document (`escalator plan --output json`); no schema loaded (plan-schema.ts). */
import type { Plan } from '../model/index.js';
import { API_VERSION } from './api-version.js';
import type { DeepMutable, PlanDocument } from './plan-schema.js';

export function toPlanDocument(plan: Plan): PlanDocument {
  return { apiVersion: API_VERSION, kind: 'Plan', ...(plan as DeepMutable<Plan>) };
}
