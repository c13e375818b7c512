/// <reference lib="dom" />
// page.evaluate() callbacks run in the browser: they are type-checked against the DOM.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@ecp/platform/repo';
import { launchOfflineBrowser, type OfflineBrowser } from '@ecp/test-kit/browser';
import { decisionInput } from '@ecp/test-kit/fixtures';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import {
  buildClientSchema,
  getIntrospectionQuery,
  type IntrospectionQuery,
  type OperationDefinitionNode,
  parse,
  validate,
} from 'graphql';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, gqlAs, registerCaller } from './support/callers';
import { settled } from './support/live';

/**
 * The analysts' playground at /playground in Debian's Chromium, offline: signed in with an API key it
 * runs a query, follows a subscription while an agent records a decision through the API, and its docs
 * are the schema's descriptions. Its saved examples are valid operations of the gateway's schema.
 */
let stack: Stack;
let browser: OfflineBrowser;
let context: BrowserContext;
let page: Page;
let analyst: Caller;
let agent: Caller;
/** Uncaught errors on the page, and workers Monaco could not start. */
const pageErrors: string[] = [];
/** Every graphql-ws message the page sent. */
const socketMessages: string[] = [];

/** Every Content-Security-Policy violation the page reported, as `directive blocked-uri`. */
async function cspViolations(): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
}

/** The text the response pane shows (Monaco renders non-breaking spaces). */
async function responseText(): Promise<string> {
  return ((await page.locator('.graphiql-response').textContent()) ?? '').replace(/\u00a0/g, ' ');
}

/** Opens a new tab and writes `text` in it as a person would (the saved examples stay as they are). */
async function typeOperation(text: string): Promise<void> {
  await page.locator('.graphiql-tab-add').click();
  const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/**
 * Runs the active tab's `operationName`. GraphiQL re-parses the editor 100 ms after a change (typing, or
 * switching tabs) and only then knows which operation to send; that same step stores the editor's text
 * as `graphiql:query`, so once the stored text is this operation's, Run sends it.
 */
async function run(operationName: string): Promise<void> {
  const named = new RegExp(`\\b(query|mutation|subscription) ${operationName}\\b`);
  await expect
    .poll(() => page.evaluate(() => localStorage.getItem('graphiql:query') ?? ''), { timeout: 10_000 })
    .toMatch(named);
  await expect.poll(() => page.locator('.graphiql-tab-active').textContent()).toContain(operationName);
  await page.locator('.graphiql-execute-button').click();
}

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dashboard-client/dist/playground.html'))) {
    throw new Error('the pages are not built: run `npm run build -w @ecp/dashboard-client` first');
  }
  stack = await startStack();
  analyst = await registerCaller(stack, 'Ada Analyst', [], '[ANALYST]');
  agent = await registerCaller(stack, 'pricing-bot', ['EU']);
  browser = await launchOfflineBrowser();
  context = await browser.newContext();
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.effectiveDirective} ${e.blockedURI}`),
    );
  });
  page = await context.newPage();
  page.on('websocket', (socket) =>
    socket.on('framesent', (frame) => socketMessages.push(String(frame.payload))),
  );
  page.on('pageerror', (err) => pageErrors.push(err.message || String(err)));
  page.on('console', (message) => {
    // Monaco says so when a worker cannot start and it falls back to running the work on the page.
    if (/could not create web worker/i.test(message.text())) pageErrors.push(message.text());
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the playground', () => {
  it('asks who you are when nobody is signed in, and takes an API key', async () => {
    await page.goto(`${stack.gatewayUrl}/playground`);
    await page.getByRole('heading', { name: 'ECP GraphQL playground' }).waitFor();
    await page.getByText('Use an API key').click();
    await page.getByLabel('API key', { exact: true }).fill('ecp_not-a-key');
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe(
      'The gateway does not accept that API key (unknown or revoked).',
    );
    await browser.screenshot(page, 'playground-sign-in');

    await page.getByLabel('API key', { exact: true }).fill(analyst.key);
    await page.getByRole('button', { name: 'Use this key' }).click();
    const account = page.getByTestId('account');
    await account.getByText('Ada Analyst').waitFor();
    expect(await account.textContent()).toContain('ANALYST');
    // The key is this tab's alone: session storage, never local storage or a cookie.
    expect(await page.evaluate(() => sessionStorage.getItem('ecp.apiKey'))).toBe(analyst.key);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(analyst.key);
    expect(await context.cookies()).toEqual([]);
  });

  it('runs a query and shows its result', async () => {
    await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor();
    await typeOperation('query WhoAmI { me { id name roles } }');
    await run('WhoAmI');
    await expect.poll(responseText, { timeout: 15_000 }).toContain(`"id": "${analyst.id}"`);
    const shown = await responseText();
    expect(shown).toContain('"name": "Ada Analyst"');
    expect(shown).toContain('"ANALYST"');
    await browser.screenshot(page, 'playground-query');
  });

  it('follows a subscription and shows the payload of a decision an agent records', async () => {
    await page.locator('.graphiql-tab', { hasText: 'DecisionRecorded' }).click();
    await run('DecisionRecorded');
    await expect
      .poll(() => socketMessages.some((m) => m.includes('"subscribe"') && m.includes('DecisionRecorded')), {
        timeout: 10_000,
      })
      .toBe(true);
    await settled();
    const recorded = await gqlAs<{ recordDecision: { decision: { id: string } } }>(
      stack,
      agent.key,
      'mutation ($i: RecordDecisionInput!) { recordDecision(input: $i) { decision { id } } }',
      { i: decisionInput({ chosenOption: 'hold', rationale: 'Stock is short this week.' }) },
    );
    expect(recorded.body.errors).toBeUndefined();
    const { id } = recorded.body.data!.recordDecision.decision;
    await expect.poll(responseText, { timeout: 15_000 }).toContain(`"id": "${id}"`);
    const shown = await responseText();
    expect(shown).toContain('"chosenOption": "hold"');
    expect(shown).toContain('"name": "pricing-bot"');
    await browser.screenshot(page, 'playground-subscription');
  });

  it('runs the saved proof: the checkpoint, the inclusion proof and the bundle of entry 0', async () => {
    await page.locator('.graphiql-tab', { hasText: 'Proof' }).click();
    await run('Proof');
    await expect.poll(responseText, { timeout: 15_000 }).toContain('"proofBundle"');
    const shown = await responseText();
    expect(shown).not.toContain('"errors"');
    expect(shown).toContain('"inclusionProof"');
    expect(shown).toContain('"index": "0"');
    await browser.screenshot(page, 'playground-proof');
  });

  it('documents the schema with its own descriptions', async () => {
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByText('Query', { exact: true }).click();
    await docs.getByText('proofBundle', { exact: true }).click();
    await expect
      .poll(() => docs.textContent(), { timeout: 10_000 })
      .toContain('A self-contained text file proving entry');
    expect(await docs.textContent()).toContain('Decimal index of the entry.');
    await browser.screenshot(page, 'playground-docs');
  });

  it('offers the tour, a subscription and a proof as saved operations, all valid against the schema', async () => {
    const saved = await page.evaluate(() => localStorage.getItem('graphiql:tabState'));
    const tabs = (JSON.parse(saved ?? '{"tabs":[]}') as { tabs: { query: string | null }[] }).tabs;
    const introspection = await gqlAs<IntrospectionQuery>(stack, analyst.key, getIntrospectionQuery());
    const schema = buildClientSchema(introspection.body.data!);
    const named = tabs.map((tab) => {
      const document = parse(tab.query ?? '');
      expect(validate(schema, document)).toEqual([]);
      const operation = document.definitions[0] as OperationDefinitionNode;
      return `${operation.operation} ${operation.name?.value}`;
    });
    expect(named).toEqual(
      expect.arrayContaining([
        'query Me',
        'mutation RecordDecision',
        'query Precedents',
        'mutation AssessFriction',
        'query Recommendation',
        'subscription DecisionRecorded',
        'query Proof',
      ]),
    );
  });

  it('sent nothing off the machine, failed nowhere and broke no rule of its Content-Security-Policy', async () => {
    expect(browser.outsideRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(await cspViolations()).toEqual([]);
    // The policy is in force: a script written into the page is refused, and reported.
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.head.append(script);
      return (window as unknown as { injected?: boolean }).injected ?? false;
    });
    expect(ran).toBe(false);
    await expect.poll(cspViolations).toEqual(['script-src-elem inline']);
  });
});
