import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printSubgraphSchema } from '@apollo/subgraph';
import { writeGeneratedFile } from '@ecp/config/generated-files';
import { type GraphQLSchema, lexicographicSortSchema } from 'graphql';

/** Where each subgraph's printed SDL is committed, for composition and review. */
export const SUBGRAPH_SDL_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../schema/subgraphs');

/** The SDL a subgraph contributes to the supergraph, sorted so that diffs show real changes only. */
export function subgraphSdl(schema: GraphQLSchema): string {
  return `${printSubgraphSchema(lexicographicSortSchema(schema)).trim()}\n`;
}

export function writeSubgraphSdl(name: string, schema: GraphQLSchema): void {
  writeGeneratedFile(join(SUBGRAPH_SDL_DIR, `${name}.graphql`), subgraphSdl(schema));
}

/** The SDL committed for a subgraph, to compare with what its code prints now. */
export function committedSubgraphSdl(name: string): string {
  return readFileSync(join(SUBGRAPH_SDL_DIR, `${name}.graphql`), 'utf8');
}
