import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SUPERGRAPH_FILE = join(SCHEMA_DIR, 'supergraph.graphql');

/**
 * The subgraphs composed into the supergraph, with the routing URL recorded in it. The gateway
 * replaces these URLs with its configured ones; they document the default local ports.
 */
export const SUBGRAPHS = [
  { name: 'ledger', url: 'http://127.0.0.1:4001/graphql' },
  { name: 'advisory', url: 'http://127.0.0.1:4002/graphql' },
  { name: 'learning-consortium', url: 'http://127.0.0.1:4003/graphql' },
  { name: 'operations', url: 'http://127.0.0.1:4004/graphql' },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

export function subgraphSdlFile(name: string): string {
  return join(SCHEMA_DIR, 'subgraphs', `${name}.graphql`);
}
