import { Agent, request } from 'node:http';
import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import { agentInput } from '@ecp/test-kit/fixtures';
import { graphql, type RawResponse, rawRequest } from '@ecp/test-kit/http';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Stopping a process under load, as a deploy or Ctrl-C would (SIGTERM): nothing it had accepted
 * fails, nothing it answers is a 500, its readiness turns false on the connections a balancer
 * already holds, and once it stops taking connections callers are refused.
 */
let stack: Stack;
const callers: { apiKey: string; id: string; name: string; analyst: boolean }[] = [];

beforeAll(async () => {
  stack = await startStack();
  for (let i = 0; i < 12; i += 1) {
    const analyst = i % 3 === 0;
    const name = `caller ${i}`;
    const res = await graphql<{ registerAgent: { apiKey: string; agent: { id: string } } }>(
      stack.graphqlUrl,
      'mutation ($input: RegisterAgentInput!) { registerAgent(input: $input) { apiKey agent { id } } }',
      { input: agentInput({ name, roles: analyst ? ['ANALYST'] : ['AGENT'] }) },
      { headers: { authorization: `Bearer ${stack.adminKey}` } },
    );
    const { apiKey, agent } = res.body.data!.registerAgent;
    callers.push({ apiKey, id: agent.id, name, analyst });
  }
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

type Caller = (typeof callers)[number];

interface Kind {
  name: string;
  send(caller: Caller, agent: Agent | false): Promise<RawResponse>;
  /** Whether an answer is the full, right one for this caller. */
  complete(answer: RawResponse, caller: Caller): boolean;
}

interface Outcome {
  kind: string;
  startedAt: number;
  answer?: RawResponse;
  complete?: boolean;
  error?: { code?: string; reusedSocket: boolean };
}

const body = (answer: RawResponse) => JSON.parse(answer.text);
const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ME = '{ me { id name votes(first: 5) { edges { cursor } } calibration { reports } } }';

function viaGateway(caller: Caller): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${caller.apiKey}` };
}

/** The identity header the gateway would forward for this caller. */
function asForwarded(caller: Caller): Record<string, string> {
  const principal = {
    kind: 'agent' as const,
    id: caller.id,
    name: caller.name,
    roles: [caller.analyst ? ('ANALYST' as const) : ('AGENT' as const)],
    jurisdictions: [],
  };
  return {
    'content-type': 'application/json',
    [IDENTITY_HEADER]: signIdentity(principal, stack.secrets.identitySecret),
  };
}

const postTo =
  (origin: () => string, headers: (caller: Caller) => Record<string, string>) =>
  (caller: Caller, agent: Agent | false, query: string, variables: Record<string, unknown> = {}) =>
    rawRequest(origin(), '/graphql', {
      method: 'POST',
      agent,
      headers: headers(caller),
      body: JSON.stringify({ query, variables }),
    });
const gatewayPost = postTo(() => stack.gatewayUrl, viaGateway);
const ledgerPost = postTo(() => new URL(stack.subgraphUrl('ledger')).origin, asForwarded);

const GATEWAY_KINDS: Kind[] = [
  {
    name: 'me across four subgraphs',
    send: (caller, agent) => gatewayPost(caller, agent, ME),
    complete: (a, caller) => a.status === 200 && body(a).data.me.id === caller.id && !body(a).errors,
  },
  {
    name: 'another agent by id',
    send: (caller, agent) =>
      gatewayPost(caller, agent, 'query ($id: ID!) { agent(id: $id) { id name } }', { id: pick(callers).id }),
    complete: (a) => a.status === 200 && typeof body(a).data.agent.id === 'string',
  },
  {
    name: 'a page of agents (people only)',
    send: (caller, agent) =>
      gatewayPost(caller, agent, 'query ($n: Int!) { agents(first: $n) { edges { node { id } } } }', {
        n: 1 + Math.floor(Math.random() * 10),
      }),
    complete: (a, caller) =>
      a.status === 200 &&
      (caller.analyst
        ? Array.isArray(body(a).data.agents.edges)
        : body(a).errors[0].extensions.code === 'FORBIDDEN'),
  },
  {
    name: 'an access token',
    send: (caller, agent) =>
      gatewayPost(caller, agent, 'mutation { issueAccessToken(ttlSeconds: 60) { token } }'),
    complete: (a) => a.status === 200 && typeof body(a).data.issueAccessToken.token === 'string',
  },
  {
    name: 'no credentials',
    send: (_caller, agent) =>
      rawRequest(stack.gatewayUrl, '/graphql', {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ me { id } }"}',
      }),
    complete: (a) => a.status === 401 && body(a).errors[0].extensions.code === 'UNAUTHENTICATED',
  },
  {
    name: 'the playground page',
    send: (_caller, agent) => rawRequest(stack.gatewayUrl, '/playground', { agent }),
    complete: (a) => a.status === 200 && a.text.includes('</html>'),
  },
  {
    name: 'health',
    send: (_caller, agent) => rawRequest(stack.gatewayUrl, '/healthz', { agent }),
    complete: (a) => a.status === 200 && body(a).status === 'ok',
  },
];

const LEDGER_KINDS: Kind[] = [
  {
    name: 'me at the ledger',
    send: (caller, agent) => ledgerPost(caller, agent, '{ me { id name } }'),
    complete: (a, caller) => a.status === 200 && body(a).data.me.id === caller.id,
  },
  {
    name: 'another agent at the ledger',
    send: (caller, agent) =>
      ledgerPost(caller, agent, 'query ($id: ID!) { agent(id: $id) { id } }', { id: pick(callers).id }),
    complete: (a) => a.status === 200 && typeof body(a).data.agent.id === 'string',
  },
];

/**
 * Callers in loops until stopped: sixteen on kept-alive connections, four opening a connection per
 * request, each running through `kinds`. Every request's outcome is kept.
 */
function startLoad(kinds: readonly Kind[]) {
  const outcomes: Outcome[] = [];
  let running = true;
  const loop = async (caller: Caller, agent: Agent | false, offset: number) => {
    for (let i = offset; running; i += 1) {
      const kind = kinds[i % kinds.length]!;
      const outcome: Outcome = { kind: kind.name, startedAt: Date.now() };
      outcomes.push(outcome);
      try {
        outcome.answer = await kind.send(caller, agent);
        try {
          outcome.complete = kind.complete(outcome.answer, caller);
        } catch {
          outcome.complete = false;
        }
      } catch (err) {
        const { code, reusedSocket } = err as NodeJS.ErrnoException & { reusedSocket: boolean };
        outcome.error = { code, reusedSocket };
        // Refused: try again a little later, as a client with backoff would.
        await sleep(20);
      }
    }
  };
  const agents = Array.from({ length: 16 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  const loops = [
    ...agents.map((agent, i) => loop(callers[i % callers.length]!, agent, i)),
    ...Array.from({ length: 4 }, (_, i) => loop(callers[i]!, false, i)),
  ];
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
      for (const agent of agents) agent.destroy();
    },
  };
}

/** Polls /readyz on one kept-alive connection, as a load balancer would. */
function startProbe(origin: string) {
  const probes: Outcome[] = [];
  let running = true;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const probing = (async () => {
    while (running) {
      const probe: Outcome = { kind: 'readyz', startedAt: Date.now() };
      probes.push(probe);
      try {
        probe.answer = await rawRequest(origin, '/readyz', { agent });
      } catch (err) {
        const { code, reusedSocket } = err as NodeJS.ErrnoException & { reusedSocket: boolean };
        probe.error = { code, reusedSocket };
      }
      await sleep(20);
    }
  })();
  return {
    probes,
    async stop() {
      running = false;
      await probing;
      agent.destroy();
    },
  };
}

/**
 * A GraphQL request sent in two halves: `accepted` resolves once the server has read its headers (it
 * answers `Expect: 100-continue`) and the first half is out; the second goes out on `finish()`.
 */
function slowUpload(url: string, headers: Record<string, string>, query: string) {
  const payload = Buffer.from(JSON.stringify({ query }));
  const half = Math.floor(payload.length / 2);
  let finish: () => void = () => {};
  let accepted: () => void = () => {};
  const acceptedByServer = new Promise<void>((resolve) => {
    accepted = resolve;
  });
  const answered = new Promise<RawResponse>((resolve, reject) => {
    const { hostname, port, pathname } = new URL(url);
    const req = request(
      {
        host: hostname,
        port,
        path: pathname,
        method: 'POST',
        agent: false,
        headers: { ...headers, 'content-length': String(payload.length), expect: '100-continue' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
            reusedSocket: false,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('continue', () => {
      req.write(payload.subarray(0, half), () => accepted());
      finish = () => req.end(payload.subarray(half));
    });
  });
  return { acceptedByServer, answered, finish: () => finish() };
}

/**
 * Runs load and readiness probes against a service, stops it (SIGTERM) while uploads are half sent,
 * finishes them, and checks that the stop was orderly.
 */
async function stopUnderLoad(
  service: string,
  origin: string,
  kinds: readonly Kind[],
  upload: (caller: Caller) => ReturnType<typeof slowUpload>,
) {
  const load = startLoad(kinds);
  const probe = startProbe(origin);
  await sleep(1500);
  const uploads = callers.slice(0, 6).map(upload);
  await Promise.all(uploads.map((u) => u.acceptedByServer));
  const signalledAt = Date.now();
  const stopped = stack.stopService(service);
  setTimeout(() => {
    for (const u of uploads) u.finish();
  }, 400);
  const uploaded = await Promise.allSettled(uploads.map((u) => u.answered));
  await stopped;
  const exitedAt = Date.now();
  await sleep(300);
  await Promise.all([load.stop(), probe.stop()]);
  const { outcomes } = load;
  const { probes } = probe;

  expect(
    outcomes.filter((o) => o.startedAt < signalledAt && o.complete).length,
    'the load ran before the stop',
  ).toBeGreaterThan(20);
  expect(
    outcomes.filter((o) => o.startedAt >= exitedAt).length,
    'callers kept trying after the exit',
  ).toBeGreaterThan(0);

  // Requests in flight — the uploads, whose headers were in — were answered in full.
  for (const result of uploaded) {
    expect(result.status).toBe('fulfilled');
    const answer = (result as PromiseFulfilledResult<RawResponse>).value;
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.connection).toBe('close');
    expect(body(answer).data.me.id).toEqual(expect.any(String));
  }
  // No answer is a 500 or short of the full one, before or after the stop.
  expect(outcomes.filter((o) => o.answer && o.answer.status >= 500)).toEqual([]);
  expect(outcomes.filter((o) => o.answer && !o.complete)).toEqual([]);
  // The only failures are new connections refused (or reset by the closing listener): no request on
  // a kept-alive connection was dropped.
  expect(
    outcomes.filter(
      (o) => o.error && (o.error.reusedSocket || !/^ECONN(REFUSED|RESET)$/.test(o.error.code ?? '')),
    ),
  ).toEqual([]);

  // Readiness turned false on the connection the balancer already held, then connections were refused.
  const sequence = probes.map((p) =>
    p.answer ? `${p.answer.status} ${body(p.answer).status}` : p.error!.reusedSocket ? 'dropped' : 'refused',
  );
  const firstDraining = sequence.indexOf('503 draining');
  expect(firstDraining, sequence.join(', ')).toBeGreaterThan(0);
  expect(new Set(sequence.slice(0, firstDraining))).toEqual(new Set(['200 ready']));
  expect(new Set(sequence.slice(firstDraining))).toEqual(new Set(['503 draining', 'refused']));
  expect(probes[firstDraining]!.answer!.headers.connection).toBe('close');

  // And the process closed everything within its deadline, Apollo only once nothing was arriving.
  const lines = stack.logs(service);
  expect(
    lines.filter((l) => /received during server shutdown|deadline passed|closing failed/.test(l)),
  ).toEqual([]);
  expect(lines.find((l) => l.includes('"msg":"shut down"'))).toContain('"clean":true');
}

describe('stopping under load', () => {
  it('the gateway answers every request it accepted in full, never with a 500, and refuses the rest', async () => {
    await stopUnderLoad('gateway', stack.gatewayUrl, GATEWAY_KINDS, (caller) =>
      slowUpload(stack.graphqlUrl, viaGateway(caller), ME),
    );
  });

  it('a subgraph does the same for what it was asked', async () => {
    const ledger = stack.subgraphUrl('ledger');
    await stopUnderLoad('ledger', new URL(ledger).origin, LEDGER_KINDS, (caller) =>
      slowUpload(ledger, asForwarded(caller), '{ me { id name } }'),
    );
  });
});
