import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { subgraphSdl } from './print-sdl';

describe('subgraphSdl', () => {
  it('prints federation SDL with types sorted, so diffs show only real changes', () => {
    const schema = buildSubgraphSchema(
      parse(`
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
        type Query { b: Zed, a: Alpha }
        type Zed @key(fields: "id") { id: ID! }
        type Alpha { id: ID! }
      `),
    );
    const sdl = subgraphSdl(schema);
    expect(sdl.indexOf('type Alpha')).toBeLessThan(sdl.indexOf('type Query'));
    expect(sdl.indexOf('type Query')).toBeLessThan(sdl.indexOf('type Zed'));
    expect(sdl).toContain('@key(fields: "id")');
    expect(sdl.endsWith('}\n')).toBe(true);
  });
});
