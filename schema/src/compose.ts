import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { writeGeneratedFile } from '@ecp/config/generated-files';
import { parse } from 'graphql';
import { SUBGRAPHS, SUPERGRAPH_FILE, subgraphSdlFile } from './subgraphs';

/** Composes the committed subgraph SDLs into a supergraph; throws with every composition error. */
export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPHS.map(({ name, url }) => ({
      name,
      url,
      typeDefs: parse(readFileSync(subgraphSdlFile(name), 'utf8')),
    })),
  );
  if (result.errors) {
    throw new Error(
      `supergraph composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`,
    );
  }
  return `${result.supergraphSdl.trim()}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeGeneratedFile(SUPERGRAPH_FILE, composeSupergraph());
}
