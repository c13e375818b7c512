import envelopeV1 from '@ecp/schema/events/envelope.v1.schema.json' with { type: 'json' };
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { EventEnvelope } from './event';

/**
 * A topic: a stream of events about one entity type, published by the subgraph that owns it. Its
 * contract is a JSON Schema in `schema/events/` (`<topic>.v<version>.schema.json`, which refines the
 * envelope's): the topic's name, type name and version are read from that schema's constants, so the
 * published schema and the code cannot disagree.
 */
export interface Topic {
  /** The stream and subscription field it feeds, e.g. `decisionRecorded`. */
  readonly name: string;
  /** The GraphQL type of the entity whose key the events carry, e.g. `Decision`. */
  readonly typename: string;
  /** The envelope version events on this topic are written with. */
  readonly version: number;
  /** The problems of an envelope against the topic's schema; empty when it conforms. */
  problems(envelope: EventEnvelope): { path: string; reason: string }[];
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addSchema(envelopeV1);

/** A topic from its published JSON Schema (imported from `@ecp/schema/events/…`). */
export function defineTopic(
  schema: {
    $id: string;
    properties: {
      topic: { const: string };
      typename: { const: string };
      version: { const: number };
    } & Record<string, unknown>;
  } & Record<string, unknown>,
): Topic {
  const validate: ValidateFunction = ajv.getSchema(schema.$id) ?? ajv.compile(schema);
  return {
    name: schema.properties.topic.const,
    typename: schema.properties.typename.const,
    version: schema.properties.version.const,
    problems(envelope) {
      if (validate(envelope)) return [];
      return (validate.errors ?? []).map((e) => ({
        path: e.instancePath || '/',
        reason:
          e.keyword === 'additionalProperties'
            ? `has no property ${String(e.params.additionalProperty)}`
            : e.keyword === 'required'
              ? `lacks ${String(e.params.missingProperty)}`
              : (e.message ?? e.keyword),
      }));
    },
  };
}
