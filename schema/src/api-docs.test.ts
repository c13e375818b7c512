import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { ERROR_CODES } from '@ecp/errors/errors';
import {
  buildSchema,
  type GraphQLObjectType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isUnionType,
  lexicographicSortSchema,
  parse,
  printSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { API_DOCS_DIR, githubAnchors, renderApiDocs } from './api-docs';
import { SUPERGRAPH_FILE } from './subgraphs';

const docs = renderApiDocs(readFileSync(SUPERGRAPH_FILE, 'utf8'));

function doc(name: string): string {
  const content = docs.get(name);
  if (content === undefined) throw new Error(`renderApiDocs wrote no ${name}`);
  return content;
}

/** The section of a Markdown page under `heading`, up to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const level = heading.indexOf(' ');
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const rest = markdown.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return end < 0 ? rest : rest.slice(0, end);
}

/** Headings outside fenced code blocks, as GitHub would anchor them. */
function headingAnchors(markdown: string): Set<string> {
  let fenced = false;
  const headings: string[] = [];
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const match = fenced ? null : /^#{1,6} (.+)$/.exec(line);
    if (match) headings.push(match[1]!);
  }
  return new Set(githubAnchors(headings));
}

describe('the API docs in docs/api', () => {
  it('are committed fresh (run `npm run generate` after changing the schema)', () => {
    expect(
      readdirSync(API_DOCS_DIR).sort(),
      'docs/api does not hold exactly the generated files: run `npm run generate`',
    ).toEqual([...docs.keys()].sort());
    for (const [name, content] of docs) {
      expect(
        readFileSync(join(API_DOCS_DIR, name), 'utf8'),
        `docs/api/${name} is stale: run \`npm run generate\``,
      ).toBe(content);
    }
  });

  it('index every query, mutation and subscription field in the README', () => {
    const schema = buildSchema(doc('schema.graphql'));
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(
      (t): t is GraphQLObjectType => t != null,
    );
    expect(roots.length).toBeGreaterThan(0);
    const operations = section(doc('README.md'), '## Operations');
    for (const root of roots) {
      for (const name of Object.keys(root.getFields())) {
        expect(operations, `${root.name}.${name}`).toMatch(
          new RegExp(`^\\| \\[\`${name}[(\`].*\\]\\(reference\\.md#${root.name.toLowerCase()}\\)`, 'm'),
        );
      }
    }
  });

  it('never show federation internals', () => {
    for (const [name, content] of docs) {
      for (const internal of [
        'join__',
        'link__',
        '_entities',
        '_service',
        '_Entity',
        '_Any',
        '@link',
        'federation__',
      ]) {
        expect(content, `${internal} in ${name}`).not.toContain(internal);
      }
    }
  });

  it("render a field's arguments with their descriptions and its type as a link", () => {
    const reference = doc('reference.md');
    const query = section(reference, '### Query');
    expect(query).toContain('- `agent(id: ID!)`: [`Agent`](#agent) — An agent by id.');
    expect(query).toContain('  - `id`: [`ID!`](#id) — The agent id.');
    expect(section(reference, '### Agent')).toContain('- `roles`: [`[Role!]!`](#role) — Roles held.');
    expect(doc('README.md')).toContain(
      '| [`agent(id: ID!)`](reference.md#query) | [`Agent`](reference.md#agent) | An agent by id.',
    );
  });

  it('group every type of the API schema by kind on the reference page', () => {
    const reference = doc('reference.md');
    const schema = buildSchema(doc('schema.graphql'));
    const kinds = [
      ['Objects', isObjectType],
      ['Inputs', isInputObjectType],
      ['Enums', isEnumType],
      ['Scalars', isScalarType],
      ['Interfaces', isInterfaceType],
      ['Unions', isUnionType],
    ] as const;
    const types = Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith('__'));
    for (const [heading, is] of kinds) {
      const members = types.filter((t) => is(t));
      if (members.length === 0) continue;
      const group = section(reference, `## ${heading}`);
      for (const { name } of members) expect(group, `${name} under ${heading}`).toContain(`\n### ${name}\n`);
    }
    expect(types.filter((t) => !kinds.some(([, is]) => is(t)))).toEqual([]);
  });

  it('explain authentication, every error code and pagination in the README', () => {
    const readme = doc('README.md');
    expect(readme).toContain('Authorization: Bearer <API key or access token>');
    const errors = section(readme, '## Errors');
    // Every code the platform's error hierarchy can produce, plus those of Apollo and the gateway.
    for (const code of [
      ...ERROR_CODES,
      'GRAPHQL_PARSE_FAILED',
      'GRAPHQL_VALIDATION_FAILED',
      'OPERATION_RESOLUTION_FAILURE',
      'SUBGRAPH_UNAVAILABLE',
    ]) {
      expect(errors).toContain(`| \`${code}\` |`);
    }
    const pagination = section(readme, '## Pagination');
    expect(pagination).toContain(
      '- [`Query.agents`](reference.md#query): [`AgentConnection!`](reference.md#agentconnection)',
    );
    expect(pagination).toContain('agents(first: 20, after: $after)');
  });

  it('link only to headings that exist', () => {
    const anchors = new Map([...docs].map(([name, content]) => [name, headingAnchors(content)]));
    for (const [name, content] of docs) {
      for (const [, file, anchor] of content.matchAll(/\]\(([\w.-]*)(?:#([^)]*))?\)/g)) {
        const target = file || name;
        expect(docs.has(target), `${name} links to ${target}`).toBe(true);
        if (anchor !== undefined)
          expect(anchors.get(target)!.has(anchor), `${name} links to ${target}#${anchor}`).toBe(true);
      }
    }
  });

  it('ship the API schema as sorted SDL with its descriptions', () => {
    const sdl = doc('schema.graphql');
    expect(sdl).toBe(`${printSchema(lexicographicSortSchema(buildSchema(sdl)))}\n`);
    expect(sdl).toContain('"""An agent by id. An unknown id is a NOT_FOUND error."""');
  });
});

describe('rendering the kinds the ECP schema does not use yet', () => {
  const typeDefs = parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

    type Query {
      """Finds things."""
      search("""What to look for.""" text: String! = "a|b"): [SearchResult!]!
      node(id: ID!): Node
      old: String @deprecated(reason: "Use \`search\`.")
    }
    type Subscription { """Ticks.""" ticks(filter: Filter): Int! }
    """Something with an id."""
    interface Node { id: ID! }
    type Thing implements Node @key(fields: "id") { id: ID! kind: Kind! }
    type Other implements Node @key(fields: "id") { id: ID! }
    union SearchResult = Thing | Other
    enum Kind { NEW OLD @deprecated(reason: "Gone.") }
    input Filter { kind: Kind = NEW }
  `);
  const composed = composeServices([{ name: 'things', url: 'http://127.0.0.1:4999/graphql', typeDefs }]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const rendered = renderApiDocs(composed.supergraphSdl);
  const readme = rendered.get('README.md')!;
  const reference = rendered.get('reference.md')!;

  it('indexes subscriptions and says which operation kinds are absent', () => {
    expect(readme).toContain(
      '| [`ticks(filter: Filter)`](reference.md#subscription) | [`Int!`](reference.md#int) | Ticks. |',
    );
    expect(readme).toContain('The API has no mutations.');
  });

  it('shows deprecations, defaults, interfaces and unions', () => {
    expect(readme).toContain(
      '| [`old`](reference.md#query) | [`String`](reference.md#string) | **Deprecated:** Use `search`. |',
    );
    expect(section(reference, '### Query')).toContain('  **Deprecated:** Use `search`.');
    expect(section(reference, '### Kind')).toContain('- `OLD`\n\n  **Deprecated:** Gone.');
    expect(section(reference, '### Filter')).toContain('- `kind`: [`Kind`](#kind) = `NEW`');
    expect(section(reference, '### Node')).toContain('Implemented by [`Other`](#other), [`Thing`](#thing).');
    expect(section(reference, '### Thing')).toContain('Implements [`Node`](#node).');
    expect(section(reference, '### SearchResult')).toContain('One of [`Other`](#other), [`Thing`](#thing).');
  });

  it('keeps a pipe in a default value from splitting a table cell', () => {
    expect(readme).toContain('[`search(text: String! = "a\\|b")`](reference.md#query)');
  });
});

describe('githubAnchors', () => {
  it('slugs headings as GitHub does, numbering repeats', () => {
    expect(githubAnchors(['API reference', 'Agent', 'agent', 'Agent', 'C++ & Go'])).toEqual([
      'api-reference',
      'agent',
      'agent-1',
      'agent-2',
      'c--go',
    ]);
  });
});
