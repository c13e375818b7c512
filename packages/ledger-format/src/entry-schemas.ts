import decisionV1 from '@ecp/schema/ledger/ecp.decision.v1.schema.json' with { type: 'json' };
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { jsonPointer, jsonProfileProblems } from './json-profile';

/**
 * The JSON Schema (draft 2020-12) of every entry kind, as published in schema/ledger/. An entry is
 * validated against its kind's schema before it is canonicalised and appended.
 */
export const ENTRY_SCHEMAS: Readonly<Record<string, object>> = {
  'ecp.decision/v1': decisionV1,
};

export interface SchemaProblem {
  /** JSON Pointer into the entry, `/body/confidence`. */
  path: string;
  reason: string;
}

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: false });
const validators = new Map<string, ValidateFunction>(
  Object.entries(ENTRY_SCHEMAS).map(([kind, schema]) => [kind, ajv.compile(schema)]),
);

/**
 * Every way `entry` departs from its kind's schema, or from the JSON profile canonical JSON needs
 * (Unicode text without U+0000, finite numbers); empty when it is valid.
 */
export function validateEntry(entry: unknown): SchemaProblem[] {
  const profile = jsonProfileProblems(entry).map((p) => ({
    path: jsonPointer(p.path) || '/',
    reason: p.reason,
  }));
  const kind = (entry as { kind?: unknown } | null)?.kind;
  const validate = typeof kind === 'string' ? validators.get(kind) : undefined;
  if (!validate) {
    return [
      ...profile,
      { path: '/kind', reason: `unknown entry kind; known: ${[...validators.keys()].join(', ')}` },
    ];
  }
  return validate(entry) ? profile : [...profile, ...(validate.errors ?? []).map(problemOf)];
}

function problemOf(error: ErrorObject): SchemaProblem {
  const missing = error.keyword === 'required' ? `/${String(error.params.missingProperty)}` : '';
  const extra = error.keyword === 'additionalProperties' ? `/${String(error.params.additionalProperty)}` : '';
  const reason =
    error.keyword === 'additionalProperties'
      ? 'is not a property of this entry kind'
      : error.keyword === 'required'
        ? 'is required'
        : (error.message ?? error.keyword);
  return { path: `${error.instancePath}${missing}${extra}` || '/', reason };
}
