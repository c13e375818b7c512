import { agentInput } from '@ecp/test-kit/fixtures';
import { graphql } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The queues' admin pages on the workers (bull-board at /admin/queues): for admins only, with the
 * same credentials as the gateway — a bearer key or token, or HTTP Basic for a browser.
 */
let stack: Stack;
let agentKey: string;

beforeAll(async () => {
  stack = await startStack({ workers: true });
  const res = await graphql<{ registerAgent: { apiKey: string } }>(
    stack.graphqlUrl,
    'mutation ($i: RegisterAgentInput!) { registerAgent(input: $i) { apiKey } }',
    { i: agentInput({ name: 'queue-watcher' }) },
    { headers: { authorization: `Bearer ${stack.adminKey}` } },
  );
  agentKey = res.body.data!.registerAgent.apiKey;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const board = (path = '', headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${stack.ports.workers}/admin/queues${path}`, { headers });
const basic = (key: string) => `Basic ${Buffer.from(`admin:${key}`).toString('base64')}`;

describe('the queues board', () => {
  it('asks for credentials, refuses other roles, and opens for an admin', async () => {
    const anonymous = await board();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="ECP queues"/);
    expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHENTICATED' });

    const wrong = await board('', { authorization: basic('ecp_not-a-key-at-all-0000000000000000000000000') });
    expect(wrong.status).toBe(401);

    const agent = await board('', { authorization: `Bearer ${agentKey}` });
    expect(agent.status).toBe(403);
    expect(await agent.json()).toMatchObject({ code: 'FORBIDDEN', error: 'The queues are for admins only.' });

    const page = await board('', { authorization: basic(stack.adminKey) });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>[^<]*<\/title>/);
    const api = await board('/api/queues', { 'x-api-key': stack.adminKey });
    expect(api.status).toBe(200);
    expect(await api.json()).toHaveProperty('queues');
  });
});
