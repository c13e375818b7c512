import { type EcpDirectives, relayOptions } from '@ecp/service-kit/pothos-options';
import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import { DateTimeResolver } from 'graphql-scalars';
import type { LearningContext } from './context';

export const builder = new SchemaBuilder<{
  Context: LearningContext;
  DefaultFieldNullability: false;
  Directives: EcpDirectives;
  Scalars: { DateTime: { Input: Date; Output: Date } };
}>({
  plugins: [DirectivesPlugin, RelayPlugin, FederationPlugin],
  defaultFieldNullability: false,
  relay: relayOptions,
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.queryType({ description: 'Learning: jurisdictions, calibration and the consortium’s lessons.' });
builder.mutationType({ description: 'Changes made by the learning consortium.' });
builder.subscriptionType({ description: 'Live learning events over graphql-ws at the gateway.' });
