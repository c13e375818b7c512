/**
 * Generates `src/generated/operations.ts` from the public API schema (`docs/api/schema.graphql`, printed
 * from the committed supergraph) and the operations in `src/operations/*.graphql`: the variables and
 * result type of each operation, and its typed document node (GraphQL Code Generator). In CI it checks
 * the committed file instead of writing it, as every generated file is checked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeGeneratedFile } from '@ecp/config/generated-files';
import { codegen } from '@graphql-codegen/core';
import * as typedDocumentNode from '@graphql-codegen/typed-document-node';
import * as typescriptOperations from '@graphql-codegen/typescript-operations';
import { parse } from 'graphql';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMA_FILE = join(PACKAGE_DIR, '..', '..', 'docs', 'api', 'schema.graphql');
const OPERATIONS_DIR = join(PACKAGE_DIR, 'src', 'operations');
const OUTPUT = join(PACKAGE_DIR, 'src', 'generated', 'operations.ts');

const NOTICE = `/* Generated from docs/api/schema.graphql and src/operations/*.graphql by scripts/generate-operations.ts: run \`npm run generate\`, do not edit. */
`;

const files = readdirSync(OPERATIONS_DIR)
  .filter((f) => f.endsWith('.graphql'))
  .sort();

const output = await codegen({
  filename: OUTPUT,
  schema: parse(readFileSync(SCHEMA_FILE, 'utf8')),
  documents: files.map((f) => ({
    location: `src/operations/${f}`,
    document: parse(readFileSync(join(OPERATIONS_DIR, f), 'utf8')),
  })),
  plugins: [{ typescriptOperations: {} }, { typedDocumentNode: {} }],
  pluginMap: { typescriptOperations, typedDocumentNode },
  config: {
    onlyOperationTypes: true,
    enumsAsTypes: true,
    useTypeImports: true,
    skipTypename: true,
    avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
    scalars: {
      DateTime: 'string',
      JSONObject: 'Record<string, unknown>',
      JSON: 'unknown',
    },
    strictScalars: true,
  },
});

writeGeneratedFile(OUTPUT, `${NOTICE}${output}`);
