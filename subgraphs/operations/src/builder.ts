import { type EcpDirectives, relayOptions } from '@ecp/service-kit/pothos-options';
import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import { DateTimeResolver } from 'graphql-scalars';
import type { OperationsContext } from './context';

export const builder = new SchemaBuilder<{
  Context: OperationsContext;
  DefaultFieldNullability: false;
  Directives: EcpDirectives;
  Scalars: { DateTime: { Input: Date; Output: Date } };
}>({
  plugins: [DirectivesPlugin, RelayPlugin, FederationPlugin],
  defaultFieldNullability: false,
  relay: relayOptions,
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.queryType({
  description: 'Operations: environments’ health, alerts, incidents, break glass, reports.',
});
builder.mutationType({ description: 'Changes made by the operations subgraph.' });
builder.subscriptionType({ description: 'Live operations events over graphql-ws at the gateway.' });
