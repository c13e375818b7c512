import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { buildOperationContext } from '@apollo/gateway';

type OperationContext = ReturnType<typeof buildOperationContext>;

import { type FetchNode, type PlanNode, QueryPlanner } from '@apollo/query-planner';
import {
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  OperationTypeNode,
  parse,
  print,
  type SelectionSetNode,
  specifiedRules,
  type ValidationRule,
  validate,
  visit,
} from 'graphql';
import { LRUCache } from 'lru-cache';

/** A subscription operation, validated and planned once, reused by every subscriber that sends it. */
export interface PlannedSubscription {
  /** The root subscription field, e.g. `decisionRecorded`, and the topic (stream) feeding it. */
  field: string;
  topic: string;
  /** The entity the topic's events are about, e.g. `Decision`. */
  typename: string;
  /** The subgraph that owns the field (the stand-in serves its part from the event). */
  owner: string;
  /** The root field's arguments as the client wrote them, for filtering and authorization. */
  argumentNodes: readonly ArgumentNode[];
  document: DocumentNode;
  operation: OperationDefinitionNode;
  primary: FetchNode;
  rest?: PlanNode;
  operationContext: OperationContext;
  /** The owner's fields for the event's entity, as an `_entities` fetch; null when only the key is selected. */
  entityFetch: { query: string; variables: readonly string[] } | null;
  /**
   * The root field with the subscriber's arguments, selecting only `__typename`: sent to the owner at
   * subscribe time, whose field resolver decides whether the subscriber may subscribe.
   */
  authorizationFetch: { query: string; variables: readonly string[] };
  responseKey: string;
}

export interface SubscriptionPlannerOptions {
  supergraphSdl: string;
  validationRules: readonly ValidationRule[];
}

/**
 * Plans subscription operations on the gateway's supergraph with @apollo/query-planner. The topic of a
 * field comes from its `@topic(name:)` directive in the supergraph, so a subgraph adds a subscription
 * by declaring it.
 */
export class SubscriptionPlanner {
  readonly supergraph: Supergraph;
  readonly apiSchema: ReturnType<Supergraph['apiSchema']>;
  readonly apiGraphQLSchema: GraphQLSchema;
  readonly supergraphGraphQLSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  private readonly topics: Map<string, { topic: string; typename: string }>;
  private readonly cache = new LRUCache<string, PlannedSubscription>({ max: 1000 });

  constructor(private readonly options: SubscriptionPlannerOptions) {
    this.supergraph = Supergraph.build(options.supergraphSdl);
    this.apiSchema = this.supergraph.apiSchema();
    this.apiGraphQLSchema = this.apiSchema.toGraphQLJSSchema();
    this.supergraphGraphQLSchema = this.supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(this.supergraph);
    this.topics = topicsOf(parse(options.supergraphSdl));
  }

  /** Every subscription field and its topic, as the supergraph declares them. */
  get fields(): ReadonlyMap<string, { topic: string; typename: string }> {
    return this.topics;
  }

  /** Validates and plans `query`; throws GraphQLErrors the client should see. */
  plan(query: string, operationName: string | undefined): PlannedSubscription {
    const cacheKey = `${operationName ?? ''}\n${query}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (err) {
      throw err instanceof GraphQLError ? withCode(err, 'GRAPHQL_PARSE_FAILED') : err;
    }
    const errors = validate(this.apiGraphQLSchema, document, [
      ...specifiedRules,
      ...this.options.validationRules,
    ]);
    if (errors.length > 0)
      throw new AggregateError(errors.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED')));
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode =>
        d.kind === Kind.OPERATION_DEFINITION &&
        (operationName === undefined || d.name?.value === operationName),
    );
    if (!operation)
      throw withCode(new GraphQLError(`No operation named "${operationName}".`), 'GRAPHQL_VALIDATION_FAILED');
    if (operation.operation !== 'subscription') {
      throw withCode(
        new GraphQLError(
          'Only subscriptions are served over graphql-ws; send queries and mutations over HTTP POST.',
        ),
        'BAD_USER_INPUT',
      );
    }
    const root = operation.selectionSet.selections[0];
    if (!root || root.kind !== Kind.FIELD)
      throw withCode(new GraphQLError('A subscription selects one field.'), 'GRAPHQL_VALIDATION_FAILED');
    const declared = this.topics.get(root.name.value);
    if (!declared) {
      throw withCode(
        new GraphQLError(`Subscription.${root.name.value} has no @topic: it cannot be served.`),
        'GRAPHQL_VALIDATION_FAILED',
      );
    }
    const plan = this.planner.buildQueryPlan(
      operationFromDocument(this.apiSchema, document, { operationName }),
    );
    const node = plan.node;
    if (node?.kind !== 'Subscription') throw new Error(`unexpected plan for a subscription: ${node?.kind}`);
    const planned: PlannedSubscription = {
      field: root.name.value,
      topic: declared.topic,
      typename: declared.typename,
      owner: node.primary.serviceName,
      argumentNodes: root.arguments ?? [],
      document,
      operation,
      primary: node.primary,
      rest: node.rest,
      operationContext: buildOperationContext({
        schema: this.apiGraphQLSchema,
        operationDocument: document,
        operationName,
      }),
      entityFetch: entityFetchFor(node.primary.operation, declared.typename),
      authorizationFetch: authorizationFetchFor(node.primary.operation),
      responseKey: root.alias?.value ?? root.name.value,
    };
    this.cache.set(cacheKey, planned);
    return planned;
  }
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...error.extensions, code },
  });
}

/** Reads `type Subscription { field: Type @topic(name: "…") }` from the supergraph SDL. */
function topicsOf(sdl: DocumentNode): Map<string, { topic: string; typename: string }> {
  const topics = new Map<string, { topic: string; typename: string }>();
  for (const definition of sdl.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION || definition.name.value !== 'Subscription') continue;
    for (const field of definition.fields ?? []) {
      const directive = field.directives?.find((d) => d.name.value === 'topic');
      const name = directive?.arguments?.find((a) => a.name.value === 'name')?.value;
      if (name?.kind !== Kind.STRING) continue;
      let type = field.type;
      while (type.kind !== Kind.NAMED_TYPE) type = type.type;
      topics.set(field.name.value, { topic: name.value, typename: type.name.value });
    }
  }
  return topics;
}

/**
 * The owner subgraph's part of the root selection, re-expressed as an entity fetch for the event's
 * entity: `query($representations: [_Any!]!, …) { _entities(representations: $representations) { … on T { … } } }`.
 * Only the variables the selection uses are declared, so the subgraph's validation accepts it.
 */
function entityFetchFor(
  primaryOperation: string,
  typename: string,
): { query: string; variables: string[] } | null {
  const document = parse(primaryOperation);
  const operation = document.definitions[0] as OperationDefinitionNode;
  const root = operation.selectionSet.selections[0];
  if (!root || root.kind !== Kind.FIELD || !root.selectionSet) return null;
  const selectionSet: SelectionSetNode = root.selectionSet;
  const onlyKey = selectionSet.selections.every(
    (s) =>
      s.kind === Kind.FIELD && !s.selectionSet && ['__typename', 'id', 'treeSize'].includes(s.name.value),
  );
  if (onlyKey) return null;
  const used = new Set<string>();
  visit(selectionSet, { Variable: (v) => void used.add(v.name.value) });
  const definitions = (operation.variableDefinitions ?? []).filter((d) => used.has(d.variable.name.value));
  const declared = ['$representations:[_Any!]!', ...definitions.map((d) => print(d))].join(',');
  const query = `query ECPEvent_${typename}(${declared}){_entities(representations:$representations){...on ${typename}${print(selectionSet)}}}`;
  return { query, variables: [...used] };
}

/**
 * The owner subgraph's root field as the primary fetch asks it, arguments and directives kept, with the
 * selection cut down to `__typename`: `subscription ECPSubscribe_decisionRecorded($filter: DecisionFilter)
 * { decisionRecorded(filter: $filter) { __typename } }`. Only the variables the field uses are declared.
 */
function authorizationFetchFor(primaryOperation: string): { query: string; variables: string[] } {
  const document = parse(primaryOperation);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const root = operation?.selectionSet.selections[0];
  if (!operation || root?.kind !== Kind.FIELD) throw new Error('unexpected primary fetch for a subscription');
  const field: FieldNode = {
    ...root,
    alias: undefined,
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } }],
    },
  };
  const used = new Set<string>();
  visit(field, { Variable: (v) => void used.add(v.name.value) });
  const check: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.SUBSCRIPTION,
    name: { kind: Kind.NAME, value: `ECPSubscribe_${root.name.value}` },
    variableDefinitions: (operation.variableDefinitions ?? []).filter((d) => used.has(d.variable.name.value)),
    directives: [],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [field] },
  };
  return { query: print(check), variables: [...used] };
}
