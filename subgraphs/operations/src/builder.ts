import { type EcpDirectives, relayOptions } from '@ecp/service-kit/pothos-options';
import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { OperationsContext } from './context';

export const builder = new SchemaBuilder<{
  Context: OperationsContext;
  DefaultFieldNullability: false;
  Directives: EcpDirectives;
  Scalars: { DateTime: { Input: Date; Output: Date }; JSON: { Input: unknown; Output: unknown } };
}>({
  plugins: [DirectivesPlugin, RelayPlugin, FederationPlugin],
  defaultFieldNullability: false,
  relay: relayOptions,
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);
builder.queryType({ description: 'Operations: environments, alerts, incidents, deliveries and reports.' });
builder.mutationType({ description: 'Changes made by the operations subgraph.' });
builder.subscriptionType({ description: 'Live operations events over graphql-ws at the gateway.' });
