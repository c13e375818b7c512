import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema as printFederationSchema, Supergraph } from '@apollo/federation-internals';
import { writeGeneratedFile } from '@ecp/config/generated-files';
import {
  astFromValue,
  buildSchema,
  type GraphQLArgument,
  type GraphQLEnumType,
  type GraphQLEnumValue,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputObjectType,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLScalarType,
  type GraphQLSchema,
  type GraphQLType,
  type GraphQLUnionType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  lexicographicSortSchema,
  print,
  printSchema,
} from 'graphql';
import { SCHEMA_DIR, SUPERGRAPH_FILE } from './subgraphs';

export const API_DOCS_DIR = join(SCHEMA_DIR, '..', 'docs', 'api');

const README = 'README.md';
const REFERENCE = 'reference.md';
const SCHEMA_SDL = 'schema.graphql';

const GENERATED_NOTICE =
  '<!-- Generated from schema/supergraph.graphql by schema/src/api-docs.ts: run `npm run generate`, do not edit. -->';

/** The codes clients branch on, in `extensions.code`, with what they mean and what to do about them. */
export const ERROR_CODES: readonly { code: string; meaning: string; action: string }[] = [
  {
    code: 'BAD_REQUEST',
    meaning:
      'The request itself cannot be read: the body is not valid JSON or not what its `Content-Encoding` says, the URL is malformed, or no operation was sent.',
    action: 'Fix the request; sending it again unchanged fails again.',
  },
  {
    code: 'BAD_USER_INPUT',
    meaning:
      'An argument or input value is invalid, or the JSON body repeats an object key. `extensions.details` lists each problem as `{ path, reason }`.',
    action: 'Fix the input; sending it again unchanged fails again.',
  },
  {
    code: 'UNAUTHENTICATED',
    meaning: 'The credential is missing, malformed, unknown, revoked or expired.',
    action: 'Send a valid API key, or get a new access token.',
  },
  {
    code: 'FORBIDDEN',
    meaning: "The caller's roles do not allow this operation or field.",
    action: 'Use a principal that holds the role the field description names.',
  },
  {
    code: 'NOT_FOUND',
    meaning: 'The object asked for does not exist, such as an unknown id.',
    action: 'Check the id.',
  },
  {
    code: 'CONFLICT',
    meaning: 'The change conflicts with the current state, such as a duplicate or a change already made.',
    action: 'Read the current state, then decide whether to try again.',
  },
  {
    code: 'PAYLOAD_TOO_LARGE',
    meaning: 'The request, or one of the values in it, is larger than allowed.',
    action: 'Send less at a time.',
  },
  {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    meaning: 'The body is sent in a `Content-Encoding` or charset the endpoint does not read.',
    action: 'Send UTF-8 JSON, uncompressed or compressed with gzip, deflate or br.',
  },
  {
    code: 'INVALID_SIGNATURE',
    meaning:
      'A signature does not verify under the key it names, or the key is not the caller’s or is revoked.',
    action:
      'Sign the exact canonical form described in docs/ledger/format.md with one of your registered keys.',
  },
  {
    code: 'UNKNOWN_PRECEDENT',
    meaning: 'A cited ledger entry does not exist, or its leaf hash is not the one given.',
    action: 'Cite entries by the index and leaf hash the ledger returned for them.',
  },
  {
    code: 'INVALID_ADVICE',
    meaning:
      'A decision names advice (a friction assessment or a poll) that the advisory subgraph does not confirm: it does not exist, is not about this agent’s draft, or could not be checked. `extensions.details` names each id (`input.advice.pollId`) and why. Nothing was recorded.',
    action:
      'Name the advice the advisory subgraph gave for this draft, or none; when it could not be checked, retry later.',
  },
  {
    code: 'OUT_OF_RANGE',
    meaning: 'An index or tree size is beyond what the ledger holds.',
    action: 'Ask for the latest checkpoint and stay within its tree size.',
  },
  {
    code: 'CURSOR_EXPIRED',
    meaning:
      'A subscription resuming with `extensions.cursor` cannot be replayed: the events after the cursor are no longer kept, or there are more of them than the gateway replays (the message says which).',
    action: 'Refetch the current state with a query, then subscribe again without a cursor.',
  },
  {
    code: 'RATE_LIMITED',
    meaning:
      'The caller already has as many requests of this kind running or waiting as it may, such as subscriptions resuming with a cursor.',
    action: 'Retry later with exponential backoff; a subscription may resume with the same cursor.',
  },
  {
    code: 'SERVICE_UNAVAILABLE',
    meaning: 'Something ECP depends on, such as its database, cannot answer right now.',
    action: 'Retry with exponential backoff.',
  },
  {
    code: 'INTERNAL_SERVER_ERROR',
    meaning: 'An unexpected failure. The message is masked so that no internals leak.',
    action: 'Retry later; if it persists, report it with the `x-request-id` response header.',
  },
  {
    code: 'GRAPHQL_PARSE_FAILED',
    meaning: 'The document is not valid GraphQL syntax.',
    action: 'Fix the document.',
  },
  {
    code: 'OPERATION_RESOLUTION_FAILURE',
    meaning:
      'No operation can be chosen from the document: it holds several and no `operationName`, or not the one named.',
    action: 'Send `operationName` naming one of the document’s operations.',
  },
  {
    code: 'GRAPHQL_VALIDATION_FAILED',
    meaning:
      'The operation does not fit the schema (unknown field, wrong argument type, missing variable) or is nested deeper than the gateway allows.',
    action: 'Fix the operation against the [reference](reference.md).',
  },
  {
    code: 'SUBGRAPH_UNAVAILABLE',
    meaning:
      'A service behind the gateway did not answer. The rest of the response still arrives: what that service would have provided is `null`. A subscription whose owning service cannot be asked whether you may subscribe is refused.',
    action: 'Use the partial data, or retry with exponential backoff (a subscription: subscribe again).',
  },
];

/** The reference page's groups, in the order they appear. */
const KINDS: readonly { heading: string; is: (type: GraphQLNamedType) => boolean }[] = [
  { heading: 'Objects', is: isObjectType },
  { heading: 'Inputs', is: isInputObjectType },
  { heading: 'Enums', is: isEnumType },
  { heading: 'Scalars', is: isScalarType },
  { heading: 'Interfaces', is: isInterfaceType },
  { heading: 'Unions', is: isUnionType },
];

const REFERENCE_TITLE = 'API reference';

interface Reference {
  groups: readonly { heading: string; types: readonly GraphQLNamedType[] }[];
  /** GitHub anchor of each heading on the reference page, by type or group name. */
  anchors: ReadonlyMap<string, string>;
}

/**
 * Renders the API documentation for a supergraph: file name (relative to docs/api) → content.
 * Everything is sorted and nothing depends on the clock, so the committed files can be compared.
 */
export function renderApiDocs(supergraphSdl: string): Map<string, string> {
  const supergraph = Supergraph.build(supergraphSdl);
  const schema = publicSchema(supergraph);
  const reference = referenceOf(schema);
  const services = supergraph.subgraphsMetadata().map(({ name }) => name);
  return new Map([
    [README, renderReadme(schema, reference, services)],
    [REFERENCE, renderReference(schema, reference)],
    [SCHEMA_SDL, `${printSchema(schema).trim()}\n`],
  ]);
}

/**
 * The schema clients see, sorted. It is printed by federation-internals and rebuilt here so that the
 * rest works on one graphql realm, whichever build of `graphql` each package happened to load.
 */
function publicSchema(supergraph: Supergraph): GraphQLSchema {
  return lexicographicSortSchema(buildSchema(printFederationSchema(supergraph.apiSchema())));
}

function isDocumented(type: GraphQLNamedType): boolean {
  return !type.name.startsWith('__');
}

function referenceOf(schema: GraphQLSchema): Reference {
  const types = Object.values(schema.getTypeMap()).filter(isDocumented);
  const groups = KINDS.map(({ heading, is }) => ({ heading, types: types.filter(is) })).filter(
    ({ types }) => types.length > 0,
  );
  // Anchors are assigned in page order, as GitHub does, so that repeated slugs get the same suffixes.
  const headings = [
    REFERENCE_TITLE,
    ...groups.flatMap(({ heading, types }) => [heading, ...types.map((t) => t.name)]),
  ];
  const slugs = githubAnchors(headings);
  return { groups, anchors: new Map(headings.map((heading, i) => [heading, slugs[i]!])) };
}

/** The anchors GitHub gives these headings: lowercase, punctuation dropped, spaces as hyphens, repeats numbered. */
export function githubAnchors(headings: readonly string[]): string[] {
  const occurrences = new Map<string, number>();
  return headings.map((heading) => {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
      .replace(/ /g, '-');
    let slug = base;
    while (occurrences.has(slug)) {
      const n = occurrences.get(base)! + 1;
      occurrences.set(base, n);
      slug = `${base}-${n}`;
    }
    occurrences.set(slug, 0);
    return slug;
  });
}

// ---------------------------------------------------------------------------------------------------
// Markdown helpers

function paragraphs(...blocks: readonly (string | undefined | null)[]): string {
  return blocks
    .map((b) => b?.trim() ?? '')
    .filter((b) => b !== '')
    .join('\n\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');
}

/** A list item: a one-line description follows the head; anything longer goes below it, indented. */
function item(head: string, description: string | null | undefined, more: readonly string[] = []): string {
  const text = description?.trim() ?? '';
  const inline = text !== '' && !text.includes('\n');
  const blocks = [...(inline ? [] : [text]), ...more].filter((b) => b !== '');
  return [inline ? `- ${head} — ${text}` : `- ${head}`, ...blocks.map(indent)].join('\n\n');
}

function list(items: readonly string[]): string {
  // A list whose items span paragraphs reads better, as source, with blank lines between items.
  return items.join(items.some((i) => i.includes('\n\n')) ? '\n\n' : '\n');
}

/** The first paragraph of a description on one line, as a table cell holds. */
function summary(description: string | null | undefined): string {
  const first = description?.trim().split(/\n\s*\n/)[0] ?? '';
  return first.replace(/\s*\n\s*/g, ' ');
}

/** A pipe, even inside a code span, would end the cell. */
function tableCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** `a, b and c`. */
function prose(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** An inline code span; a backtick in the text (say, in a default value) needs a longer fence. */
function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

// ---------------------------------------------------------------------------------------------------
// Schema pieces

/** Links to a type's section on the reference page; the text defaults to the type, modifiers included. */
type Linker = (type: GraphQLType, text?: string) => string;

function linker(reference: Reference, page: string): Linker {
  return (type, text = String(type)) =>
    `[${code(text)}](${page}#${reference.anchors.get(getNamedType(type).name)})`;
}

function defaultValueOf(value: GraphQLArgument | GraphQLInputField): string | undefined {
  if (value.defaultValue === undefined) return undefined;
  const ast = astFromValue(value.defaultValue, value.type);
  return ast ? print(ast) : undefined;
}

function argumentSignature(arg: GraphQLArgument): string {
  const value = defaultValueOf(arg);
  return `${arg.name}: ${String(arg.type)}${value === undefined ? '' : ` = ${value}`}`;
}

/** `name(arg: Type, …)`, or just `name` without arguments. */
function fieldCall(field: GraphQLField<unknown, unknown>): string {
  return field.args.length === 0
    ? field.name
    : `${field.name}(${field.args.map(argumentSignature).join(', ')})`;
}

function deprecation(reason: string | null | undefined): string {
  return reason == null ? '' : `**Deprecated:** ${reason}`;
}

// ---------------------------------------------------------------------------------------------------
// Reference page

function renderReference(schema: GraphQLSchema, reference: Reference): string {
  const link = linker(reference, '');
  const contents = list(
    reference.groups.map(
      ({ heading, types }) =>
        `- [${heading}](#${reference.anchors.get(heading)}): ${types.map((t) => link(t)).join(', ')}`,
    ),
  );
  const groups = reference.groups.map(({ heading, types }) =>
    paragraphs(`## ${heading}`, ...types.map((type) => typeSection(schema, type, link))),
  );
  return `${paragraphs(
    GENERATED_NOTICE,
    `# ${REFERENCE_TITLE}`,
    `Every type of the ECP GraphQL API, grouped by kind and sorted by name. The [overview](${README}) explains authentication, errors and pagination; [${SCHEMA_SDL}](${SCHEMA_SDL}) is the same schema as SDL.`,
    contents,
    ...groups,
  )}\n`;
}

function typeSection(schema: GraphQLSchema, type: GraphQLNamedType, link: Linker): string {
  return paragraphs(`### ${type.name}`, type.description, ...typeBody(schema, type, link));
}

function typeBody(schema: GraphQLSchema, type: GraphQLNamedType, link: Linker): string[] {
  if (isObjectType(type)) return objectBody(type, link);
  if (isInterfaceType(type)) return interfaceBody(schema, type, link);
  if (isUnionType(type)) return unionBody(type, link);
  if (isEnumType(type)) return enumBody(type);
  if (isInputObjectType(type)) return inputBody(type, link);
  if (isScalarType(type)) return scalarBody(type);
  return [];
}

function implementsLine(type: GraphQLObjectType | GraphQLInterfaceType, link: Linker): string {
  const interfaces = type.getInterfaces();
  return interfaces.length === 0 ? '' : `Implements ${interfaces.map((i) => link(i)).join(', ')}.`;
}

function fieldsList(type: GraphQLObjectType | GraphQLInterfaceType, link: Linker): string {
  return `Fields:\n\n${list(Object.values(type.getFields()).map((f) => fieldItem(f, link)))}`;
}

function objectBody(type: GraphQLObjectType, link: Linker): string[] {
  return [implementsLine(type, link), fieldsList(type, link)];
}

function interfaceBody(schema: GraphQLSchema, type: GraphQLInterfaceType, link: Linker): string[] {
  const { objects, interfaces } = schema.getImplementations(type);
  // Not localeCompare: the output must not depend on the machine's locale.
  const implementations = [...objects, ...interfaces].sort((a, b) => (a.name < b.name ? -1 : 1));
  return [
    implementsLine(type, link),
    implementations.length === 0 ? '' : `Implemented by ${implementations.map((t) => link(t)).join(', ')}.`,
    fieldsList(type, link),
  ];
}

function unionBody(type: GraphQLUnionType, link: Linker): string[] {
  const members = type.getTypes().map((t) => link(t));
  return [`One of ${members.join(', ')}.`];
}

function enumBody(type: GraphQLEnumType): string[] {
  return [`Values:\n\n${list(type.getValues().map(enumValueItem))}`];
}

function enumValueItem(value: GraphQLEnumValue): string {
  return item(code(value.name), value.description, [deprecation(value.deprecationReason)]);
}

function inputBody(type: GraphQLInputObjectType, link: Linker): string[] {
  return [
    type.isOneOf ? 'Exactly one of these fields must be set (`@oneOf`).' : '',
    `Fields:\n\n${list(Object.values(type.getFields()).map((f) => valueItem(f, link)))}`,
  ];
}

function scalarBody(type: GraphQLScalarType): string[] {
  return [type.specifiedByURL ? `Specified by <${type.specifiedByURL}>.` : ''];
}

function fieldItem(field: GraphQLField<unknown, unknown>, link: Linker): string {
  const args =
    field.args.length === 0 ? '' : `Arguments:\n\n${list(field.args.map((arg) => valueItem(arg, link)))}`;
  return item(`${code(fieldCall(field))}: ${link(field.type)}`, field.description, [
    deprecation(field.deprecationReason),
    args,
  ]);
}

/** An argument or input field: name, linked type, default value, description. */
function valueItem(value: GraphQLArgument | GraphQLInputField, link: Linker): string {
  const defaultValue = defaultValueOf(value);
  const head = `${code(value.name)}: ${link(value.type)}${defaultValue === undefined ? '' : ` = ${code(defaultValue)}`}`;
  return item(head, value.description, [deprecation(value.deprecationReason)]);
}

// ---------------------------------------------------------------------------------------------------
// Overview page

function renderReadme(schema: GraphQLSchema, reference: Reference, services: readonly string[]): string {
  const link = linker(reference, REFERENCE);
  return `${paragraphs(
    GENERATED_NOTICE,
    '# ECP GraphQL API',
    `ECP serves one GraphQL API through its gateway, composed from the ${prose(services.map(code))} ${services.length === 1 ? 'service' : 'services'}. Clients only ever talk to the gateway. This page covers authentication, errors, pagination and an index of every operation; the [reference](${REFERENCE}) documents every type, and [${SCHEMA_SDL}](${SCHEMA_SDL}) is the schema as SDL.`,
    'Agents written in TypeScript can use [`@ecp/agent-sdk`](../../packages/agent-sdk/README.md) instead of writing operations by hand: its calls are typed from this schema, it signs decisions and votes, retries only what cannot append twice, and resumes subscriptions from their cursor.',
    endpointSection(),
    authenticationSection(schema, link),
    errorsSection(),
    paginationSection(schema, link),
    operationsSection(schema, reference, link),
  )}\n`;
}

function endpointSection(): string {
  return paragraphs(
    '## Endpoint',
    'Send operations as JSON to `POST /graphql` on the gateway (port 4000 unless configured otherwise): `{ "query": "…", "variables": { … }, "operationName": "…" }`. The schema is open to introspection by any authenticated caller, and a browser opening `/graphql` is sent to the playground at `/playground`.',
  );
}

/** A link to a mutation, or nothing when the schema has no such mutation. */
function mutationLink(schema: GraphQLSchema, name: string, link: Linker): string | undefined {
  const mutation = schema.getMutationType();
  return mutation?.getFields()[name] ? link(mutation, name) : undefined;
}

function authenticationSection(schema: GraphQLSchema, link: Linker): string {
  const register = mutationLink(schema, 'registerAgent', link);
  const issue = mutationLink(schema, 'issueAccessToken', link);
  // Name the mutations that hand out credentials only while the schema has them, so this stays true.
  const obtaining = [
    register ? `An API key is shown once, in the answer to ${register}.` : '',
    issue
      ? `${issue} mints a short-lived access token for the caller, to send the same way until it expires.`
      : '',
  ]
    .filter(Boolean)
    .join(' ');
  return paragraphs(
    '## Authentication',
    'Every request needs a credential, sent as a bearer token:',
    '```http\nAuthorization: Bearer <API key or access token>\n```',
    'API keys start with `ecp_`; access tokens are JWTs. An API key may also be sent as `X-API-Key: <API key>`; when both headers are present, `Authorization` wins. A missing, malformed, unknown, revoked or expired credential is answered with `UNAUTHENTICATED`.',
    obtaining,
    "```sh\ncurl http://127.0.0.1:4000/graphql \\\n  -H 'Authorization: Bearer ecp_…' \\\n  -H 'Content-Type: application/json' \\\n  -d '{\"query\":\"{ __typename }\"}'\n```",
    'What a principal may read or change depends on its roles; field descriptions say which roles a field needs, and a call without them fails with `FORBIDDEN`.',
  );
}

function errorsSection(): string {
  const rows = ERROR_CODES.map(
    ({ code: c, meaning, action }) => `| ${[code(c), meaning, action].map(tableCell).join(' | ')} |`,
  );
  return paragraphs(
    '## Errors',
    'Errors arrive in the `errors` array of the response, next to whatever `data` could still be resolved. Branch on `extensions.code`, never on the message or the HTTP status:',
    '```json\n{\n  "data": { "agent": null },\n  "errors": [\n    {\n      "message": "…",\n      "path": ["agent"],\n      "extensions": { "code": "NOT_FOUND" }\n    }\n  ]\n}\n```',
    ['| Code | Meaning | What to do |', '| --- | --- | --- |', ...rows].join('\n'),
  );
}

/** Relay connections: object types with `edges` and `pageInfo`. */
function isConnection(type: GraphQLNamedType): type is GraphQLObjectType {
  return isObjectType(type) && 'edges' in type.getFields() && 'pageInfo' in type.getFields();
}

function connectionFields(
  schema: GraphQLSchema,
): { owner: GraphQLNamedType; field: GraphQLField<unknown, unknown> }[] {
  return Object.values(schema.getTypeMap())
    .filter(isDocumented)
    .filter((t): t is GraphQLObjectType | GraphQLInterfaceType => isObjectType(t) || isInterfaceType(t))
    .flatMap((owner) =>
      Object.values(owner.getFields())
        .filter((field) => isConnection(getNamedType(field.type)))
        .map((field) => ({ owner, field })),
    );
}

/** A runnable paging query over the first query field that pages forward without other required arguments. */
function pagingExample(schema: GraphQLSchema): string {
  const field = Object.values(schema.getQueryType()?.getFields() ?? {}).find(
    (f) =>
      isConnection(getNamedType(f.type)) &&
      ['first', 'after'].every((name) => f.args.some((a) => a.name === name)) &&
      f.args.every((a) => ['first', 'after'].includes(a.name) || !isNonNullType(a.type)),
  );
  if (!field) return '';
  const connection = getNamedType(field.type) as GraphQLObjectType;
  const node = getNamedType(
    (getNamedType(connection.getFields().edges!.type) as GraphQLObjectType).getFields().node?.type ??
      connection,
  );
  const selection = isObjectType(node) && 'id' in node.getFields() ? 'id' : '__typename';
  return [
    '```graphql',
    'query Page($after: String) {',
    `  ${field.name}(first: 20, after: $after) {`,
    `    edges { cursor node { ${selection} } }`,
    '    pageInfo { hasNextPage endCursor }',
    '  }',
    '}',
    '```',
  ].join('\n');
}

function paginationSection(schema: GraphQLSchema, link: Linker): string {
  const fields = connectionFields(schema).map(
    ({ owner, field }) => `- ${link(owner, `${owner.name}.${field.name}`)}: ${link(field.type)}`,
  );
  return paragraphs(
    '## Pagination',
    'Lists that can grow are [Relay-style connections](https://relay.dev/graphql/connections.htm):',
    list([
      "- Page forward with `first` and `after`, passing the previous page's `pageInfo.endCursor` as `after`, while `pageInfo.hasNextPage` is true. Page backward with `last` and `before` (`pageInfo.startCursor`, `pageInfo.hasPreviousPage`).",
      '- A connection holds `edges`, each with the item as `node` and its `cursor`, and `pageInfo`.',
      '- Cursors are opaque: pass them back as they are and never build or parse them.',
      "- Each field's arguments state its default and largest page size, and its description states the order.",
    ]),
    pagingExample(schema),
    fields.length === 0 ? '' : `The connections in this API:\n\n${list(fields)}`,
  );
}

const OPERATION_KINDS = [
  { heading: 'Queries', root: (s: GraphQLSchema) => s.getQueryType() },
  { heading: 'Mutations', root: (s: GraphQLSchema) => s.getMutationType() },
  { heading: 'Subscriptions', root: (s: GraphQLSchema) => s.getSubscriptionType() },
] as const;

function operationsSection(schema: GraphQLSchema, reference: Reference, link: Linker): string {
  const sections = OPERATION_KINDS.flatMap(({ heading, root }) => {
    const type = root(schema);
    return type ? [operationIndex(heading, type, reference, link)] : [];
  });
  const absent = OPERATION_KINDS.filter(({ root }) => !root(schema)).map(({ heading }) =>
    heading.toLowerCase(),
  );
  return paragraphs(
    '## Operations',
    absent.length === 0 ? '' : `The API has no ${absent.join(' and no ')}.`,
    ...sections,
  );
}

function operationIndex(
  heading: string,
  type: GraphQLObjectType,
  reference: Reference,
  link: Linker,
): string {
  const anchor = `${REFERENCE}#${reference.anchors.get(type.name)}`;
  const rows = Object.values(type.getFields()).map((field) => {
    const description = [summary(field.description), summary(deprecation(field.deprecationReason))]
      .filter(Boolean)
      .join(' ');
    const cells = [`[${code(fieldCall(field))}](${anchor})`, link(field.type), description];
    return `| ${cells.map(tableCell).join(' | ')} |`;
  });
  return paragraphs(
    `### ${heading}`,
    type.description,
    ['| Field | Type | Description |', '| --- | --- | --- |', ...rows].join('\n'),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, content] of renderApiDocs(readFileSync(SUPERGRAPH_FILE, 'utf8'))) {
    writeGeneratedFile(join(API_DOCS_DIR, name), content);
  }
}
