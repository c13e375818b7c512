import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@ecp/platform/repo';
import { launchOfflineBrowser, type OfflineBrowser } from '@ecp/test-kit/browser';
import { createPerson } from '@ecp/test-kit/people';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, eventually, gqlAs, registerCaller } from './support/callers';

/**
 * The Transparency Dashboard in Debian's Chromium against the whole platform (ledger, advisory,
 * learning consortium, operations, gateway and workers): an operator signs in with an API key and
 * watches what agents do through the API appear live — decisions (paused and resumed without losing
 * any), polls, health, incidents, break glass — approves a held decision from the page, checks a
 * proof in the browser, and the page comes back by itself after the gateway restarts. Nothing the
 * page loads may leave the machine.
 */
let stack: Stack;
let browser: OfflineBrowser;
let agent: Caller;
let voter: Caller;
let operator: Caller;
let page: Page;

const DIST_INDEX = join(REPO_ROOT, 'dashboard-client/dist/index.html');

let sequence = 0;
/** An agent records a decision through the gateway; its id, status and ledger index. */
async function record(jurisdiction = 'US', category = 'pricing') {
  sequence += 1;
  const res = await gqlAs<{
    recordDecision: { status: string; ledgerIndex: string | null; decision: { id: string } };
  }>(
    stack,
    agent.key,
    `mutation ($input: RecordDecisionInput!) {
       recordDecision(input: $input) { status ledgerIndex decision { id } } }`,
    {
      input: {
        jurisdiction,
        category,
        context: { case: sequence },
        options: [
          { id: 'raise', description: 'Raise the price' },
          { id: 'hold', description: 'Hold the price' },
        ],
        chosenOption: 'raise',
        rationale: `Demand is up (case ${sequence}).`,
        confidence: 0.7,
        idempotencyKey: `dashboard-e2e-${sequence}`,
      },
    },
  );
  expect(res.body.errors).toBeUndefined();
  const out = res.body.data!.recordDecision;
  return { id: out.decision.id, status: out.status, ledgerIndex: out.ledgerIndex };
}

const streamRow = (index: string): Locator =>
  page.locator(`[data-testid="stream-row"][data-ledger-index="${index}"]`);

/** The ledger indexes of the stream's rows, top to bottom. */
async function streamIndexes(): Promise<string[]> {
  return page
    .getByTestId('stream-row')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ledger-index') ?? ''));
}

async function signInWithKey(target: Page, key: string): Promise<void> {
  await target.getByText('Use an API key').click();
  await target.getByLabel('API key', { exact: true }).fill(key);
  await target.getByRole('button', { name: 'Use this key' }).click();
}

beforeAll(async () => {
  if (!existsSync(DIST_INDEX))
    throw new Error('Build the dashboard first: npm run build -w @ecp/dashboard-client');
  // The gateway replays at most five missed events here, so a longer pause meets CURSOR_EXPIRED.
  stack = await startStack({
    workers: true,
    extraEnv: {
      SUBSCRIPTION_REPLAY_MAX_EVENTS: '5',
      SIGN_IN_MAX_FAILURES_PER_ACCOUNT: '3',
      SIGN_IN_MAX_FAILURES_PER_ADDRESS: '50',
    },
  });
  agent = await registerCaller(stack, 'pricing-bot', ['EU', 'US']);
  voter = await registerCaller(stack, 'survey-bot', ['US']);
  operator = await registerCaller(stack, 'olive', [], '[OPERATOR]');
  // Payments in the EU need a person's approval; everything else commits at once.
  const defined = await gqlAs(
    stack,
    operator.key,
    `mutation { defineJurisdiction(input: { code: "EU", categoriesRequiringApproval: ["payments"] }) { code } }`,
  );
  expect(defined.body.errors).toBeUndefined();
  browser = await launchOfflineBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the Transparency Dashboard', () => {
  it('shows the sign-in to a page opened without signing in, and refuses a wrong key', async () => {
    const context = await browser.newContext();
    const anonymous = await context.newPage();
    await anonymous.goto(stack.gatewayUrl);
    await anonymous.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await anonymous.getByLabel('Email').waitFor();
    await anonymous.getByLabel('Password').waitFor();
    await browser.screenshot(anonymous, 'dashboard-sign-in');

    await signInWithKey(anonymous, 'ecp_not-a-key-at-all-not-a-key-at-all-not-a-k');
    await anonymous.getByText('The gateway does not accept that API key').waitFor();
    await browser.screenshot(anonymous, 'dashboard-sign-in-refused');
    await context.close();
  });

  it('signs an operator in with an API key: the header names them and their role', async () => {
    const context = await browser.newContext();
    page = await context.newPage();
    await page.goto(stack.gatewayUrl);
    await signInWithKey(page, operator.key);
    const account = page.getByTestId('account');
    await account.getByText('olive').waitFor();
    expect(await account.textContent()).toContain('OPERATOR');
    await page.getByTestId('connection-status').getByText('Live').waitFor();
    // The key is this tab's only: in session storage, not in local storage or a cookie.
    expect(await page.evaluate("sessionStorage.getItem('ecp.apiKey')")).toBe(operator.key);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await context.cookies()).toEqual([]);
  });

  it('shows a decision an agent records through the API within 2 s', async () => {
    await page.getByTestId('decision-stream').getByText('No decision recorded yet').waitFor();
    const decision = await record();
    expect(decision.status).toBe('COMMITTED');
    const started = Date.now();
    await streamRow(decision.ledgerIndex!).waitFor({ timeout: 2000 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await streamRow(decision.ledgerIndex!).textContent()).toContain('pricing-bot');
  });

  it('pauses, and on resume shows the three decisions recorded meanwhile, in order', async () => {
    // One payload first, so the stream holds a cursor to resume from.
    const before = await record();
    await streamRow(before.ledgerIndex!).waitFor();

    const pause = page.getByRole('button', { name: 'Pause' });
    await pause.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('stream-status').getByText('Paused after stream position').waitFor();

    const three = [await record(), await record(), await record()];
    const indexes = three.map((d) => d.ledgerIndex!);
    // While paused the page shows none of them: wait until the ledger has all three, then look.
    await eventually('the three decisions in the ledger', async () => {
      const res = await gqlAs<{ decisions: { edges: { node: { ledgerIndex: string } }[] } }>(
        stack,
        operator.key,
        '{ decisions(first: 3) { edges { node { ledgerIndex } } } }',
      );
      const listed = res.body.data?.decisions.edges.map((e) => e.node.ledgerIndex);
      return listed?.includes(indexes[2]!) ? listed : null;
    });
    for (const index of indexes) expect(await streamRow(index).count()).toBe(0);
    await browser.screenshot(page, 'dashboard-paused');

    const resume = page.getByRole('button', { name: 'Resume' });
    await resume.focus();
    await page.keyboard.press('Space');
    for (const index of indexes) await streamRow(index).waitFor();
    const shown = await streamIndexes();
    // Newest first: the three on top, in ledger order from the bottom up, then what came before.
    expect(shown.slice(0, 4)).toEqual([...indexes].reverse().concat(before.ledgerIndex!));
    expect(new Set(shown).size).toBe(shown.length);
  });

  it('reads from the ledger what a pause longer than the gateway replays missed, in order', async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByTestId('stream-status').getByText('Paused after stream position').waitFor();
    const seven: string[] = [];
    for (let i = 0; i < 7; i++) seven.push((await record()).ledgerIndex!);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByText('they were read from the ledger instead').waitFor();
    for (const index of seven) await streamRow(index).waitFor();
    const shown = await streamIndexes();
    expect(shown.slice(0, 7)).toEqual([...seven].reverse());
    expect(new Set(shown).size).toBe(shown.length);
    // Live again afterwards.
    const next = await record();
    await streamRow(next.ledgerIndex!).waitFor();
  });

  it('filters the stream by jurisdiction, agent and category', async () => {
    const eu = await record('EU', 'pricing');
    const stream = page.getByTestId('decision-stream');
    await streamRow(eu.ledgerIndex!).waitFor();
    await stream.getByLabel('Jurisdiction').fill('EU');
    await stream.getByLabel('Category').fill('pricing');
    await stream.getByLabel('Agent').selectOption({ label: 'pricing-bot' });
    await stream.getByRole('button', { name: 'Apply filter' }).click();
    await stream.getByText('Live, filtered').waitFor();
    await eventually('only the EU decision', async () => {
      const shown = await streamIndexes();
      return shown.length === 1 && shown[0] === eu.ledgerIndex ? shown : null;
    });
    const us = await record('US', 'pricing');
    const euAgain = await record('EU', 'pricing');
    await streamRow(euAgain.ledgerIndex!).waitFor();
    expect(await streamRow(us.ledgerIndex!).count()).toBe(0);
    await stream.getByRole('button', { name: 'Clear' }).click();
    await streamRow(us.ledgerIndex!).waitFor();
  });

  it('says "verified" for a real entry’s proof and names what fails in a tampered bundle', async () => {
    const decision = await record();
    // Checkpoints are signed every few seconds: wait for one that covers the entry.
    await eventually('a checkpoint covering the entry', async () => {
      const res = await gqlAs<{ checkpoint: { treeSize: string } | null }>(
        stack,
        operator.key,
        '{ checkpoint { treeSize } }',
      );
      const size = res.body.data?.checkpoint?.treeSize;
      return size && BigInt(size) > BigInt(decision.ledgerIndex!) ? size : null;
    });
    const panel = page.getByTestId('checkpoint');
    await panel.getByLabel('Ledger index').fill(decision.ledgerIndex!);
    await panel.getByRole('button', { name: 'Fetch and verify' }).click();
    const result = panel.getByTestId('proof-result');
    await result.getByText(`Verified: entry ${decision.ledgerIndex} is in the log`).waitFor();
    expect(await panel.getByTestId('proof-step').allInnerTexts()).toEqual([
      expect.stringContaining('Log public key: passed'),
      expect.stringContaining('Bundle format: passed'),
      expect.stringContaining('Checkpoint signature: passed'),
      expect.stringContaining('Checkpoint tree size: passed'),
      expect.stringContaining('Inclusion proof: passed'),
    ]);
    await browser.screenshot(page, 'dashboard-proof-verified');

    const bundleBox = panel.getByLabel('Proof bundle');
    const bundle = await bundleBox.inputValue();
    expect(bundle.startsWith('ecp-proof-bundle v1\n')).toBe(true);

    // One character of the entry changed: its leaf no longer leads to the signed root.
    const entryLine = bundle.split('\n').find((l) => l.startsWith('entry '))!;
    const at = 'entry '.length + 12;
    const swapped = entryLine[at] === 'A' ? 'B' : 'A';
    const tamperedEntry = bundle.replace(
      entryLine,
      entryLine.slice(0, at) + swapped + entryLine.slice(at + 1),
    );
    await bundleBox.fill(tamperedEntry);
    await panel.getByRole('button', { name: 'Verify this bundle' }).click();
    await result
      .getByText('Not verified. Inclusion proof: inclusion proof does not lead to the root of tree size')
      .waitFor();
    expect(await result.textContent()).toContain('(root-mismatch)');
    expect(await panel.getByTestId('proof-step').allInnerTexts()).toEqual([
      expect.stringContaining('Log public key: passed'),
      expect.stringContaining('Bundle format: passed'),
      expect.stringContaining('Checkpoint signature: passed'),
      expect.stringContaining('Checkpoint tree size: passed'),
      expect.stringContaining('Inclusion proof: failed'),
    ]);
    await browser.screenshot(page, 'dashboard-proof-tampered');

    // One character of the signed root changed: the checkpoint's signature no longer verifies.
    const lines = bundle.split('\n');
    const rootAt = lines.indexOf('') + 3; // the note: origin, tree size, root hash
    const root = lines[rootAt]!;
    expect(root).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    lines[rootAt] = root.slice(0, 5) + (root[5] === 'A' ? 'B' : 'A') + root.slice(6);
    await bundleBox.fill(lines.join('\n'));
    await panel.getByRole('button', { name: 'Verify this bundle' }).click();
    await result.getByText('Not verified. Checkpoint signature: invalid signature for key').waitFor();
    expect(await result.textContent()).toContain('(invalid-signature)');
  });

  it('lets an operator approve a held decision from the page, refusing an empty reason', async () => {
    const held = await record('EU', 'payments');
    expect(held.status).toBe('PENDING_APPROVAL');
    const card = page.locator(`[data-testid="held-decision"][data-decision-id="${held.id}"]`);
    await card.waitFor();
    expect(await card.textContent()).toContain('CATEGORY_REQUIRES_APPROVAL');

    await card.getByRole('button', { name: 'Approve' }).click();
    await card.getByText('a reason is required').waitFor();
    const still = await gqlAs<{ decision: { status: string } }>(
      stack,
      operator.key,
      'query ($id: ID!) { decision(id: $id) { status } }',
      { id: held.id },
    );
    expect(still.body.data!.decision.status).toBe('PENDING_APPROVAL');
    await browser.screenshot(page, 'dashboard-held-reason-required');

    await card.getByLabel('Reason').fill('The payment run was checked against the invoice.');
    await card.getByRole('button', { name: 'Approve' }).click();
    await card.waitFor({ state: 'detached' });
    const done = await gqlAs<{
      decision: { status: string; approvals: { reviewerId: string; reason: string }[] };
    }>(
      stack,
      operator.key,
      'query ($id: ID!) { decision(id: $id) { status approvals { reviewerId reason } } }',
      { id: held.id },
    );
    expect(done.body.data!.decision).toEqual({
      status: 'COMMITTED',
      approvals: [{ reviewerId: operator.id, reason: 'The payment run was checked against the invoice.' }],
    });
  });

  it('shows polls in progress with their tallies, live, and the consensus once one closes', async () => {
    const other = await registerCaller(stack, 'panel-bot', ['US']);
    const opened = await gqlAs<{ openPoll: { id: string } }>(
      stack,
      agent.key,
      'mutation ($input: OpenPollInput!) { openPoll(input: $input) { id } }',
      {
        input: {
          question: 'Raise the price in the US?',
          jurisdiction: 'US',
          category: 'pricing',
          options: [
            { id: 'raise', description: 'Raise it' },
            { id: 'hold', description: 'Hold it' },
          ],
          eligibleVoters: [voter.id, other.id],
          quorum: 1,
          closesAt: new Date(Date.now() + 3_600_000).toISOString(),
        },
      },
    );
    expect(opened.body.errors).toBeUndefined();
    const pollId = opened.body.data!.openPoll.id;
    // No subscription announces a new poll: the page reads the open ones again every 15 s.
    const poll = page.getByTestId('poll').filter({ hasText: 'Raise the price in the US?' });
    await poll.waitFor({ timeout: 20_000 });
    expect(await poll.textContent()).toContain('0 of 2 voted');

    const vote = await gqlAs(
      stack,
      voter.key,
      'mutation ($input: CastVoteInput!) { castVote(input: $input) { id } }',
      { input: { pollId, option: 'raise', confidence: 0.8, rationale: 'Demand is up.' } },
    );
    expect(vote.body.errors).toBeUndefined();
    await poll.getByText('1 of 2 voted').waitFor();
    const tallies = await poll.locator('.tally').allTextContents();
    expect(tallies).toEqual([
      expect.stringContaining('1 vote, 100 %'),
      expect.stringContaining('0 votes, 0 %'),
    ]);
    await browser.screenshot(page, 'dashboard-poll');

    // Its opener closes it: it leaves the list, and its consensus is charted.
    const closed = await gqlAs(stack, agent.key, 'mutation ($id: ID!) { closePoll(id: $id) { status } }', {
      id: pollId,
    });
    expect(closed.body.errors).toBeUndefined();
    await poll.waitFor({ state: 'detached' });
    await page.getByTestId('consensus-chart').waitFor();
    expect(await page.getByTestId('consensus-chart').textContent()).toContain('the latest consensus 1.00');
  });

  it('charts divergence as decisions are scored', async () => {
    const charts = page.getByTestId('advice-charts');
    await charts.getByTestId('divergence-chart').waitFor({ timeout: 20_000 });
    await charts.getByTestId('divergence-histogram').waitFor({ timeout: 20_000 });
    expect(await charts.getByTestId('divergence-histogram').textContent()).toMatch(
      /\d+ scores: mean \d\.\d\d/,
    );
  });

  it('shows environment health with uptime, and open incidents, live', async () => {
    const registered = await gqlAs(
      stack,
      operator.key,
      'mutation ($i: RegisterEnvironmentInput!) { registerEnvironment(input: $i) { id } }',
      { i: { name: 'gateway', url: `${stack.gatewayUrl}/readyz` } },
    );
    expect(registered.body.errors).toBeUndefined();
    const checked = await gqlAs(stack, operator.key, 'mutation { checkEnvironmentsNow { ok } }');
    expect(checked.body.errors).toBeUndefined();
    const env = page.getByTestId('environment').filter({ hasText: 'gateway' });
    await env.getByText('HEALTHY').waitFor();
    expect(await env.textContent()).toContain('uptime 24 h 100.0 %');

    const incident = await gqlAs(
      stack,
      operator.key,
      'mutation { openIncident(input: { title: "Checkout latency is up", severity: SEV2 }) { id } }',
    );
    expect(incident.body.errors).toBeUndefined();
    await page.getByTestId('incident').filter({ hasText: 'Checkout latency is up' }).waitFor();
  });

  it('shows the break-glass banner while a session is open, counting down, and drops it when it closes', async () => {
    const opened = await gqlAs<{ openBreakGlass: { id: string } }>(
      stack,
      operator.key,
      `mutation { openBreakGlass(input: { reason: "Payment run blocked by a firewall outage.", durationMinutes: 10 }) { id } }`,
    );
    expect(opened.body.errors).toBeUndefined();
    const banner = page.getByTestId('break-glass-banner');
    await banner.waitFor();
    const text = await banner.textContent();
    expect(text).toContain('olive');
    expect(text).toContain('Payment run blocked by a firewall outage.');
    expect(text).toMatch(/ends in (10:00|9:[0-5]\d)/);
    await browser.screenshot(page, 'dashboard-break-glass');

    const closed = await gqlAs(
      stack,
      operator.key,
      'mutation ($id: ID!) { closeBreakGlass(id: $id) { id } }',
      {
        id: opened.body.data!.openBreakGlass.id,
      },
    );
    expect(closed.body.errors).toBeUndefined();
    await banner.waitFor({ state: 'detached' });
  });

  it('fits a laptop and a phone without horizontal scrolling', async () => {
    const overflow = () =>
      page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(await overflow()).toBe(0);
    await browser.screenshot(page, 'dashboard-laptop');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('decision-stream').waitFor();
    expect(await overflow()).toBe(0);
    await browser.screenshot(page, 'dashboard-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('says it is reconnecting while the gateway restarts, then catches up by itself', async () => {
    const status = page.getByTestId('connection-status');
    const gatewayPid = stack.pid('gateway');
    stack.kill('gateway', 'SIGKILL');
    await status.getByText('Reconnecting…').waitFor();
    await browser.screenshot(page, 'dashboard-reconnecting');
    await eventually('the gateway restarted', async () => {
      const pid = stack.pid('gateway');
      return pid !== undefined && pid !== gatewayPid ? pid : null;
    });
    await status.getByText('Live').waitFor({ timeout: 30_000 });
    const after = await record();
    await streamRow(after.ledgerIndex!).waitFor();
  });

  it('signs a person in with email and password into an httpOnly session, live over it, and out', async () => {
    const person = await createPerson(stack, { name: 'Pat Operator', roles: ['OPERATOR', 'ANALYST'] });
    const context = await browser.newContext();
    const personPage = await context.newPage();
    await personPage.goto(stack.gatewayUrl);
    await personPage.getByLabel('Email').fill(person.email);
    await personPage.getByLabel('Password').fill(`${person.password}-wrong`);
    await personPage.getByRole('button', { name: 'Sign in', exact: true }).click();
    await personPage.getByTestId('sign-in-error').getByText('Wrong email or password.').waitFor();

    await personPage.getByLabel('Password').fill(person.password);
    await personPage.getByRole('button', { name: 'Sign in', exact: true }).click();
    const account = personPage.getByTestId('account');
    await account.getByText('Pat Operator').waitFor();
    const header = await account.textContent();
    expect(header).toContain(person.email);
    expect(header).toContain('OPERATOR');
    expect(header).toContain('ANALYST');
    expect(header).toContain('session');
    // The page never sees the session: the cookie is httpOnly, and no key is kept.
    expect(await personPage.evaluate('document.cookie')).toBe('');
    expect(await personPage.evaluate('sessionStorage.length')).toBe(0);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'ecp_session', httpOnly: true, sameSite: 'Strict' });

    // The graphql-ws handshake carries the cookie: the stream is live for them.
    await personPage.getByTestId('connection-status').getByText('Live').waitFor();
    const seen = await record();
    await personPage.locator(`[data-testid="stream-row"][data-ledger-index="${seen.ledgerIndex}"]`).waitFor();
    await browser.screenshot(personPage, 'dashboard-person');
    await personPage.reload();
    await account.getByText('Pat Operator').waitFor();

    await personPage.getByRole('button', { name: 'Sign out' }).click();
    await personPage.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await personPage.reload();
    await personPage.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });

  it('lets a new person choose their password from the setup link an admin hands them, then sign in', async () => {
    const created = await gqlAs<{ createPerson: { email: string; setupToken: string } }>(
      stack,
      stack.adminKey,
      'mutation ($input: CreatePersonInput!) { createPerson(input: $input) { email setupToken } }',
      { input: { name: 'Nia Newcomer', email: `nia.${Date.now()}@example.test`, roles: ['ANALYST'] } },
    );
    expect(created.body.errors).toBeUndefined();
    const { email, setupToken } = created.body.data!.createPerson;
    const context = await browser.newContext();
    const newcomer = await context.newPage();
    await newcomer.goto(`${stack.gatewayUrl}/#setup=${setupToken}`);
    const form = newcomer.getByTestId('set-password');
    await form.getByLabel('New password').fill('short');
    await form.getByLabel('The same again').fill('short');
    await form.getByRole('button', { name: 'Set password' }).click();
    await form.getByRole('alert').getByText('Choose at least 12 characters.').waitFor();
    await form.getByLabel('New password').fill('a newcomer pass phrase');
    await form.getByLabel('The same again').fill('a newcomer pass phrase');
    await browser.screenshot(newcomer, 'dashboard-set-password');
    await form.getByRole('button', { name: 'Set password' }).click();
    await newcomer.getByRole('status').getByText('Password set: sign in with it.').waitFor();
    // The token left the address bar, and the email is filled in.
    expect(new URL(newcomer.url()).hash).toBe('');
    expect(await newcomer.getByLabel('Email').inputValue()).toBe(email);
    await newcomer.getByLabel('Password', { exact: true }).fill('a newcomer pass phrase');
    await newcomer.getByRole('button', { name: 'Sign in', exact: true }).click();
    const account = newcomer.getByTestId('account');
    await account.getByText('Nia Newcomer').waitFor();
    expect(await account.textContent()).toContain('ANALYST');
    // The link is spent.
    const again = await context.newPage();
    await again.goto(`${stack.gatewayUrl}/#setup=${setupToken}`);
    // Signed in there too (the cookie): signing out shows what the link offers.
    await again.getByRole('button', { name: 'Sign out' }).click();
    const spent = again.getByTestId('set-password');
    await spent.getByLabel('New password').fill('another pass phrase');
    await spent.getByLabel('The same again').fill('another pass phrase');
    await spent.getByRole('button', { name: 'Set password' }).click();
    await spent
      .getByRole('alert')
      .getByText(/unknown, used or expired/)
      .waitFor();
    await context.close();
  });

  it('says how long to wait once sign-in is refused for too many failures', async () => {
    const person = await createPerson(stack, { name: 'Lee Locked', roles: ['ANALYST'] });
    const context = await browser.newContext();
    const lockedPage = await context.newPage();
    await lockedPage.goto(stack.gatewayUrl);
    await lockedPage.getByLabel('Email').fill(person.email);
    await lockedPage.getByLabel('Password').fill('not the password');
    const submit = lockedPage.getByRole('button', { name: 'Sign in', exact: true });
    const problem = lockedPage.getByTestId('sign-in-error');
    for (let attempt = 0; attempt < 3; attempt++) {
      await submit.click();
      await problem.getByText('Wrong email or password.').waitFor();
      await lockedPage.getByRole('button', { name: 'Sign in', exact: true, disabled: false }).waitFor();
    }
    await submit.click();
    await problem.getByText(/^Too many failed attempts\. Try again in \d+ (s|min)\.$/).waitFor();
    expect(await submit.isDisabled()).toBe(true);
    await browser.screenshot(lockedPage, 'dashboard-sign-in-rate-limited');
    await context.close();
  });

  it('tells an agent which panels need a person’s role instead of failing', async () => {
    const context = await browser.newContext();
    const agentPage = await context.newPage();
    await agentPage.goto(stack.gatewayUrl);
    await signInWithKey(agentPage, agent.key);
    await agentPage.getByTestId('account').getByText('pricing-bot').waitFor();
    await agentPage
      .getByTestId('health')
      .getByText(
        'Environment health needs the ANALYST, OPERATOR or ADMIN role; you are signed in with AGENT.',
      )
      .waitFor();
    await agentPage.getByTestId('incidents').getByTestId('role-notice').waitFor();
    await agentPage
      .getByTestId('held-decisions')
      .getByText('Approving or rejecting a held decision needs the OPERATOR or ADMIN role')
      .waitFor();
    // Its own decisions still stream.
    const mine = await record();
    await agentPage.locator(`[data-testid="stream-row"][data-ledger-index="${mine.ledgerIndex}"]`).waitFor();
    expect(await agentPage.getByRole('alert').count()).toBe(0);
    await browser.screenshot(agentPage, 'dashboard-agent-view');
    await agentPage.getByRole('button', { name: 'Sign out' }).click();
    await agentPage.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    expect(await agentPage.evaluate("sessionStorage.getItem('ecp.apiKey')")).toBeNull();
    await context.close();
  });

  it('sent nothing off the machine', () => {
    expect(browser.outsideRequests).toEqual([]);
  });
});
