import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@ecp/platform/repo';
import { graphql } from '@ecp/test-kit/http';
import type { Stack } from '@ecp/test-kit/stack';
import { expect } from 'vitest';

/** A registered agent or person: its id and its API key. */
export interface Caller {
  id: string;
  key: string;
}

/** A GraphQL request through the stack's gateway, as the holder of `key`. */
export function gqlAs<D = Record<string, unknown>>(
  stack: Stack,
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
) {
  return graphql<D>(stack.graphqlUrl, query, variables, { headers: { authorization: `Bearer ${key}` } });
}

/** Registers an agent (or, with other roles, a person) as the stack's admin. */
export async function registerCaller(
  stack: Stack,
  name: string,
  jurisdictions: string[],
  roles = '[AGENT]',
): Promise<Caller> {
  const res = await gqlAs<{ registerAgent: { apiKey: string; agent: { id: string } } }>(
    stack,
    stack.adminKey,
    `mutation ($name: String!, $j: [String!]) { registerAgent(input: { name: $name, roles: ${roles}, jurisdictions: $j }) { apiKey agent { id } } }`,
    { name, j: jurisdictions },
  );
  expect(res.body.errors).toBeUndefined();
  return { id: res.body.data!.registerAgent.agent.id, key: res.body.data!.registerAgent.apiKey };
}

/** Polls `probe` until it gives a value (not null or undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | null | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Runs the `ecp` command against the stack's gateway with `key`; its exit code and output. */
export async function runEcp(
  stack: Stack,
  key: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(REPO_ROOT, 'packages/cli/bin/ecp.js'), ...args],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, ECP_GATEWAY_URL: stack.gatewayUrl, ECP_API_KEY: key },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
