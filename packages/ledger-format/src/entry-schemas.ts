import decisionV1 from '@ecp/schema/ledger/ecp.decision.v1.schema.json' with { type: 'json' };
import decisionV2 from '@ecp/schema/ledger/ecp.decision.v2.schema.json' with { type: 'json' };
import decisionV3 from '@ecp/schema/ledger/ecp.decision.v3.schema.json' with { type: 'json' };
import serviceEntryV1 from '@ecp/schema/ledger/service-entry.v1.schema.json' with { type: 'json' };
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { jsonPointer, jsonProfileProblems } from './json-profile';

/**
 * The JSON Schema (draft 2020-12) of every entry kind, as published in schema/ledger/. An entry is
 * validated against its kind's schema before it is canonicalised and appended, and again by `ecp
 * verify export`. Kinds appended by services refine `service-entry.v1.schema.json`. A kind no longer
 * written stays here for as long as the ledger holds entries of it, which is forever.
 */
export const ENTRY_SCHEMAS: Readonly<Record<string, object>> = {
  'ecp.decision/v1': decisionV1,
  'ecp.decision/v2': decisionV2,
  'ecp.decision/v3': decisionV3,
};

/** The common form of service-appended entries, which their kinds' schemas refer to. */
export const SERVICE_ENTRY_SCHEMA = serviceEntryV1;

export interface SchemaProblem {
  /** JSON Pointer into the entry, `/body/confidence`. */
  path: string;
  reason: string;
}

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: false });
ajv.addSchema(serviceEntryV1);
const validators = new Map<string, ValidateFunction>(
  Object.entries(ENTRY_SCHEMAS).map(([kind, schema]) => [kind, ajv.compile(schema)]),
);

/**
 * Registers the schema of a kind appended by a service (its `properties.kind.const` names it), so that
 * `validateEntry` knows it; registering the same kind again with the same schema changes nothing.
 */
export function registerEntrySchema(
  schema: { $id: string; properties: { kind: { const: string } } & Record<string, unknown> } & Record<
    string,
    unknown
  >,
): string {
  const kind = schema.properties.kind.const;
  if (!validators.has(kind)) validators.set(kind, ajv.getSchema(schema.$id) ?? ajv.compile(schema));
  return kind;
}

/** The kinds whose schemas are known. */
export function knownEntryKinds(): string[] {
  return [...validators.keys()];
}

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
