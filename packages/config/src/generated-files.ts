import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { isCi } from './env';

/**
 * Writes a generated, committed file (printed SDL, the supergraph, API docs). In CI it writes nothing
 * and fails when the committed file differs, so a stale file is caught rather than silently refreshed.
 */
export function writeGeneratedFile(file: string, content: string): void {
  const shown = relative(process.cwd(), file) || file;
  if (isCi()) {
    const committed = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (committed !== content) {
      process.stderr.write(`${shown} is stale: run \`npm run generate\` and commit the result.\n`);
      process.exit(1);
    }
    process.stdout.write(`${shown} is up to date\n`);
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  process.stdout.write(`wrote ${shown}\n`);
}
