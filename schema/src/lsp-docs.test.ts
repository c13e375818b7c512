import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';

/** Every example in the LSP specification validates against the schema it is labelled with. */
const root = join(import.meta.dirname, '..', '..');
const lspDir = join(root, 'schema', 'lsp');
const spec = readFileSync(join(root, 'docs', 'protocols', 'lsp-v0.1.md'), 'utf8');

const ajv = new Ajv2020({ allErrors: true, strict: true });
const names = readdirSync(lspDir).filter((f) => f.endsWith('.schema.json'));
for (const file of names) ajv.addSchema(JSON.parse(readFileSync(join(lspDir, file), 'utf8')), file);

const examples = [...spec.matchAll(/<!-- schema: ([a-z0-9.-]+) -->\n```json\n([\s\S]*?)\n```/g)].map((m) => ({
  schema: `${m[1]}.schema.json`,
  example: JSON.parse(m[2]!) as unknown,
}));

describe('LSP v0.1 schemas and the examples of docs/protocols/lsp-v0.1.md', () => {
  it('has an example for every message schema', () => {
    expect(new Set(examples.map((e) => e.schema))).toEqual(new Set(names));
  });

  it.each(examples)('$schema: the example validates', ({ schema, example }) => {
    const validate = ajv.getSchema(schema)!;
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
  });

  it('refuses what the schemas forbid', () => {
    const report = ajv.getSchema('lsp.outcome-report.v1.schema.json')!;
    expect(report({ protocol: 'lsp/0.1', message: 'outcome-report', decisionId: 'x', success: 1 })).toBe(
      false,
    );
    const ok = {
      protocol: 'lsp/0.1',
      message: 'outcome-report',
      decisionId: '0193a3b0-7c1e-7a32-9f00-3c4d5e6f7a8b',
    };
    expect(report({ ...ok, success: 1.5 })).toBe(false);
    expect(report({ ...ok, success: 0.5 })).toBe(true);
  });
});
