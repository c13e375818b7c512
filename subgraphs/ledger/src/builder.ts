import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import { DateTimeResolver } from 'graphql-scalars';
import type { LedgerContext } from './context';

export const builder = new SchemaBuilder<{
  Context: LedgerContext;
  DefaultFieldNullability: false;
  Scalars: { DateTime: { Input: Date; Output: Date } };
}>({
  plugins: [DirectivesPlugin, RelayPlugin, FederationPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    pageInfoTypeOptions: {
      shareable: true,
      description: 'Where a page of a Relay connection sits in the whole list.',
    },
    hasNextPageFieldOptions: { description: 'Whether more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether items precede this page.' },
    startCursorFieldOptions: { description: 'The cursor of the first item on this page.' },
    endCursorFieldOptions: {
      description: 'The cursor of the last item on this page; pass it as `after` for the next page.',
    },
    cursorFieldOptions: { description: 'An opaque, stable position in the list.' },
    nodeFieldOptions: { description: 'The item.' },
    edgesFieldOptions: { description: 'The items on this page, with their cursors.' },
    pageInfoFieldOptions: { description: 'Paging information.' },
    firstArgOptions: { description: 'How many items to return after `after` (default 20, at most 100).' },
    afterArgOptions: { description: 'Return items after this cursor.' },
    lastArgOptions: { description: 'How many items to return before `before` (at most 100).' },
    beforeArgOptions: { description: 'Return items before this cursor.' },
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.queryType({ description: 'Reads from the Transparency Ledger and its registry of agents.' });
builder.mutationType({ description: 'Changes recorded by the ledger subgraph.' });
