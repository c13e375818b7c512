import { StrictJSONObjectResolver } from '@ecp/service-kit/json-scalar';
import { type EcpDirectives, relayOptions } from '@ecp/service-kit/pothos-options';
import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import { DateTimeResolver } from 'graphql-scalars';
import type { LedgerContext } from './context';

export const builder = new SchemaBuilder<{
  Context: LedgerContext;
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
builder.queryType({ description: 'Reads from the Transparency Ledger and its registry of agents.' });
builder.mutationType({ description: 'Changes recorded by the ledger subgraph.' });
builder.subscriptionType({
  description:
    'Live events over graphql-ws at the gateway. A subscription is authorized by the subgraph that owns its field, under the rule of the matching query: arguments that query refuses are refused when subscribing, with the same error. Every payload carries `extensions.cursor`; resume by sending it back as `extensions.cursor` in the subscribe message, to get the events missed since, in order, then live ones. A gateway replays only so many missed events (500 by default; further back the answer is CURSOR_EXPIRED: refetch with a query) and a few replays per caller at a time (more wait their turn, then RATE_LIMITED).',
});
