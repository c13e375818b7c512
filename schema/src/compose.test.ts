import { readFileSync } from 'node:fs';
import { composeServices } from '@theguild/federation-composition';
import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { composeSupergraph } from './compose';
import { SUBGRAPHS, SUPERGRAPH_FILE, subgraphSdlFile } from './subgraphs';

describe('the supergraph', () => {
  it('is committed fresh: composing the subgraph SDLs again gives the same file (run `npm run generate`)', () => {
    expect(readFileSync(SUPERGRAPH_FILE, 'utf8')).toBe(composeSupergraph());
  });

  it('is accepted by an independent composer (The Guild federation-composition)', () => {
    const result = composeServices(
      SUBGRAPHS.map(({ name, url }) => ({
        name,
        url,
        typeDefs: parse(readFileSync(subgraphSdlFile(name), 'utf8')),
      })),
    );
    expect(result.errors ?? []).toEqual([]);
    expect(result.supergraphSdl).toBeDefined();
    // Both composers agree on the public API: the same types and root fields.
    const ours = buildSchema(composeSupergraph(), { assumeValidSDL: true });
    const theirs = buildSchema(result.supergraphSdl!, { assumeValidSDL: true });
    const publicTypes = (s: ReturnType<typeof buildSchema>) =>
      Object.keys(s.getTypeMap())
        .filter((n) => !n.startsWith('__') && !n.startsWith('join__') && !n.startsWith('link__'))
        .sort();
    expect(publicTypes(theirs)).toEqual(publicTypes(ours));
    expect(Object.keys(theirs.getQueryType()!.getFields()).sort()).toEqual(
      Object.keys(ours.getQueryType()!.getFields()).sort(),
    );
  });

  it('merges Agent from all four subgraphs', () => {
    const agent = buildSchema(composeSupergraph(), { assumeValidSDL: true }).getType('Agent') as unknown as {
      getFields(): Record<string, unknown>;
    };
    expect(Object.keys(agent.getFields())).toEqual(
      expect.arrayContaining(['id', 'name', 'roles', 'votes', 'calibration', 'breakGlassSessions']),
    );
  });
});
