import { StrictJSONObjectResolver } from '@ecp/service-kit/json-scalar';
import { type EcpDirectives, relayOptions } from '@ecp/service-kit/pothos-options';
import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import { DateTimeResolver } from 'graphql-scalars';
import type { AdvisoryContext } from './context';

export const builder = new SchemaBuilder<{
  Context: AdvisoryContext;
  DefaultFieldNullability: false;
  Directives: EcpDirectives;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
  };
}>({
  plugins: [DirectivesPlugin, RelayPlugin, FederationPlugin],
  defaultFieldNullability: false,
  relay: relayOptions,
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSONObject', StrictJSONObjectResolver);
builder.queryType({ description: 'Advice: friction, polls, agreement and divergence.' });
builder.mutationType({ description: 'Changes made by the advisory subgraph.' });
builder.subscriptionType({ description: 'Live advisory events over graphql-ws at the gateway.' });
