import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: every process's entry point and the default local state live below it. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
