import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// package.test.ts and browser.test.ts each build dist/ afresh: one file at a time, so that neither
// reads a dist/ the other is rebuilding.
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: false } }));
