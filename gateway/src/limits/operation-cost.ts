import {
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/** How a selection is priced: every field costs one, and a page multiplies what it selects by its size. */
export interface CostModel {
  /** The page size a connection returns when no `first`/`last` is given (the subgraphs' default). */
  defaultPageSize: number;
  /** Added once to a mutation: a change costs more than the fields it answers with. */
  mutationCost: number;
}

export const DEFAULT_COST_MODEL: CostModel = { defaultPageSize: 20, mutationCost: 10 };

/**
 * The cost of running `operation` with these variables: one per field, and a field taking `first` or
 * `last` (a connection) multiplies its selection by the page it asks for — read from a literal or from
 * the variables, so `first: $n` is priced as what it asks for. Introspection is priced like any field.
 * Fragments are priced where they are spread; a fragment cycle (refused by validation before this is
 * asked) costs nothing more than once.
 */
export function operationCost(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
  model: CostModel = DEFAULT_COST_MODEL,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const pageOf = (value: ValueNode): number | undefined => {
    if (value.kind === Kind.INT) return Number(value.value);
    if (value.kind === Kind.VARIABLE) {
      const given = variables[value.name.value];
      return typeof given === 'number' && Number.isFinite(given) ? given : undefined;
    }
    return undefined;
  };
  const costOf = (selections: SelectionSetNode, spreading: ReadonlySet<string>): number => {
    let total = 0;
    for (const selection of selections.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += costOf(selection.selectionSet, spreading);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || spreading.has(name)) continue;
        total += costOf(fragment.selectionSet, new Set([...spreading, name]));
      } else {
        let cost = 1;
        if (selection.selectionSet) {
          let page = 1;
          for (const argument of selection.arguments ?? []) {
            if (argument.name.value !== 'first' && argument.name.value !== 'last') continue;
            page = Math.max(page, pageOf(argument.value) ?? model.defaultPageSize);
          }
          const paged = selection.arguments?.some((a) => a.name.value === 'first' || a.name.value === 'last');
          const pageSize = paged
            ? page
            : isConnectionShaped(selection.selectionSet)
              ? model.defaultPageSize
              : 1;
          cost += pageSize * costOf(selection.selectionSet, spreading);
        }
        total += cost;
      }
    }
    return total;
  };
  const base = operation.operation === 'mutation' ? model.mutationCost : 0;
  return base + costOf(operation.selectionSet, new Set());
}

/** A selection of `edges` or `nodes`: a connection asked for without a page size gets the default page. */
function isConnectionShaped(selectionSet: SelectionSetNode): boolean {
  return selectionSet.selections.some(
    (s) => s.kind === Kind.FIELD && (s.name.value === 'edges' || s.name.value === 'nodes'),
  );
}
