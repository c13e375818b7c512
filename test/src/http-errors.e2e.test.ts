import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import { servicePrincipal } from '@ecp/identity/principal';
import { REPO_ROOT } from '@ecp/platform/repo';
import { type RawResponse, rawRequest } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What an outside caller gets back when a request is refused before any GraphQL runs: always the
 * JSON error shape with a code, never Express's HTML page with a stack or a path. The stack runs with
 * NODE_ENV=development, where Express's own handler would show the stack.
 */
let stack: Stack;
let gateway: string;
let ledger: string;
let ledgerIdentity: string;

beforeAll(async () => {
  stack = await startStack({ extraEnv: { NODE_ENV: 'development' } });
  gateway = stack.gatewayUrl;
  ledger = new URL(stack.subgraphUrl('ledger')).origin;
  ledgerIdentity = signIdentity(servicePrincipal('gateway'), stack.secrets.identitySecret);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const JSON_BODY = { 'content-type': 'application/json' };
const TWO_MEGABYTES = JSON.stringify({ query: `{ me { id } } #${'x'.repeat(2 * 1024 * 1024)}` });

function expectCoded(answer: RawResponse, status: number, code: string) {
  expect(answer.status, answer.text.slice(0, 300)).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(JSON.parse(answer.text)).toEqual({
    errors: [{ message: expect.any(String), extensions: expect.objectContaining({ code }) }],
  });
  expect(answer.text).not.toMatch(/\bat [\w.<>]+ \(|node_modules|Error:|<html|<pre>/);
  expect(answer.text).not.toContain(REPO_ROOT);
}

describe('the gateway', () => {
  it('answers an oversized body without credentials with 413 PAYLOAD_TOO_LARGE', async () => {
    const answer = await rawRequest(gateway, '/graphql', {
      method: 'POST',
      headers: JSON_BODY,
      body: TWO_MEGABYTES,
    });
    expectCoded(answer, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers a bad gzip body with 400 and an unknown Content-Encoding with 415', async () => {
    const gzip = await rawRequest(gateway, '/graphql', {
      method: 'POST',
      headers: { ...JSON_BODY, 'content-encoding': 'gzip' },
      body: 'not gzip at all',
    });
    expectCoded(gzip, 400, 'BAD_REQUEST');
    const unknown = await rawRequest(gateway, '/graphql', {
      method: 'POST',
      headers: { ...JSON_BODY, 'content-encoding': 'compress' },
      body: '{}',
    });
    expectCoded(unknown, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('serves its pages, and answers missing, malformed and escaping asset paths without naming a file', async () => {
    for (const page of ['/', '/playground']) {
      const answer = await rawRequest(gateway, page);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^text\/html/);
    }
    expectCoded(await rawRequest(gateway, '/assets/app.js'), 404, 'NOT_FOUND');
    expectCoded(await rawRequest(gateway, '/assets/'), 404, 'NOT_FOUND');
    expectCoded(await rawRequest(gateway, '/assets/%E0%A4%A'), 400, 'BAD_REQUEST');
    expectCoded(await rawRequest(gateway, '/assets/%2e%2e/%2e%2e/package.json'), 403, 'FORBIDDEN');
    expectCoded(await rawRequest(gateway, '/nowhere'), 404, 'NOT_FOUND');
    expectCoded(await rawRequest(gateway, '/%E0%A4%A'), 404, 'NOT_FOUND');
  });
});

describe('the subgraphs', () => {
  it('answer an oversized or undecodable body to /graphql with the same coded errors', async () => {
    for (const name of ['ledger', 'advisory', 'learning-consortium', 'operations']) {
      const origin = new URL(stack.subgraphUrl(name)).origin;
      const identity = { [IDENTITY_HEADER]: ledgerIdentity };
      const big = await rawRequest(origin, '/graphql', {
        method: 'POST',
        headers: { ...JSON_BODY, ...identity },
        body: TWO_MEGABYTES,
      });
      expectCoded(big, 413, 'PAYLOAD_TOO_LARGE');
      const gzip = await rawRequest(origin, '/graphql', {
        method: 'POST',
        headers: { ...JSON_BODY, ...identity, 'content-encoding': 'gzip' },
        body: 'not gzip at all',
      });
      expectCoded(gzip, 400, 'BAD_REQUEST');
      const anonymous = await rawRequest(origin, '/graphql', {
        method: 'POST',
        headers: JSON_BODY,
        body: '{"query":"{ __typename }"}',
      });
      expectCoded(anonymous, 401, 'UNAUTHENTICATED');
      expectCoded(await rawRequest(origin, '/internal/nothing'), 404, 'NOT_FOUND');
    }
  });

  it('the ledger’s API key lookup refuses bad bodies with coded errors before checking the caller', async () => {
    const path = '/internal/principals/by-api-key';
    const post = (headers: Record<string, string>, body: string) =>
      rawRequest(ledger, path, { method: 'POST', headers: { ...JSON_BODY, ...headers }, body });
    expectCoded(await post({}, JSON.stringify({ keyHash: 'a'.repeat(2048) })), 413, 'PAYLOAD_TOO_LARGE');
    expectCoded(await post({}, '{"keyHash":'), 400, 'BAD_REQUEST');
    expectCoded(await post({ 'content-encoding': 'gzip' }, 'not gzip at all'), 400, 'BAD_REQUEST');
    expectCoded(await post({ 'content-encoding': 'compress' }, '{}'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectCoded(await rawRequest(ledger, path), 404, 'NOT_FOUND');
    // A well-formed request still gets the route's own answers.
    const unknown = await post(
      { [IDENTITY_HEADER]: ledgerIdentity },
      JSON.stringify({ keyHash: 'a'.repeat(64) }),
    );
    expect(unknown.status).toBe(404);
  });
});
