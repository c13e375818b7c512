import {
  DirectiveLocation,
  GraphQLDirective,
  GraphQLNonNull,
  GraphQLString,
  specifiedDirectives,
} from 'graphql';

/**
 * Relay plugin options every subgraph shares: connections and PageInfo described for the playground,
 * PageInfo marked @shareable (every subgraph defines the same value type), and no `node` root field
 * (global object identification would collide across subgraphs).
 */
export const relayOptions = {
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
} as const;

/** The Apollo Federation version every subgraph links; Pothos imports the directives each one uses. */
export const federationLink = { linkUrl: 'https://specs.apollo.dev/federation/v2.6' };

/**
 * `@topic(name:)` marks a subscription field with the event stream that feeds it. It is linked from
 * ECP's own spec URL and composed (`@composeDirective`) so that it reaches the supergraph, where the
 * gateway reads it: a subgraph adds a subscription by declaring it, with no gateway change.
 */
export const TOPIC_SPEC_URL = 'https://specs.ecp.dev/events/v1.0';

/**
 * The directives every subgraph's Pothos builder knows (`SchemaBuilder<{ Directives: EcpDirectives }>`),
 * matching `topicDirective` below: one definition for all of them.
 */
export type EcpDirectives = {
  topic: { locations: 'FIELD_DEFINITION'; args: { name: string } };
};

export const topicDirective = new GraphQLDirective({
  name: 'topic',
  description: 'The event topic (Redis Stream) that feeds this subscription field.',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: {
    name: { type: new GraphQLNonNull(GraphQLString), description: 'The topic, e.g. `decisionRecorded`.' },
  },
});

/**
 * Options for `toSubGraphSchema` in a subgraph that declares subscription fields. `directives`
 * replaces a schema's directives, so the built-in ones (`@include`, `@skip`, `@deprecated`,
 * `@specifiedBy`, `@oneOf`) are named too: without them a subgraph refuses every operation the
 * gateway forwards with `@include` or `@skip` in it.
 */
export const subscriptionTopics = {
  directives: [...specifiedDirectives, topicDirective],
  composeDirectives: ['@topic'] as `@${string}`[],
  extensions: { directives: [{ name: 'link', args: { url: TOPIC_SPEC_URL, import: ['@topic'] } }] },
};
