import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createEcpClient, type EcpClient } from '@ecp/agent-sdk';
import { GatewayClient, GatewayError } from '../gateway-client';
import {
  type CastMember,
  DEMO_AGENTS,
  DEMO_ENVIRONMENT,
  DEMO_KEY_NAME,
  DEMO_NAME_PREFIX,
  DEMO_OPERATOR,
  DEMO_ORGANISATION,
  HELD_JURISDICTION,
} from './cast';
import { DemoApi, type ListedAgent } from './demo-api';
import type { DemoActor, DemoEvent } from './events';
import { DemoHealthEndpoint } from './health-endpoint';

/** A principal the demo acts as in this run: who it is and its API, with the key issued for the run. */
export interface DemoPrincipal {
  member: CastMember;
  id: string;
  actor: DemoActor;
  /** The operator's calls, and each principal's housekeeping of its own API and signing keys. */
  api: DemoApi;
  /** The id of the API key issued for this run (revoked when it ends). */
  apiKeyId: string;
}

/**
 * A demo agent: what it does as an agent (advice, polls, votes, decisions, outcomes) goes through
 * the agent SDK, which signs its decisions and votes with the key made for the run.
 */
export interface DemoAgent extends DemoPrincipal {
  client: EcpClient;
  /** The id of the signing key registered for this run (revoked when it ends). */
  signingKeyId: string;
}

/** Everything a demo run acts with, ready. */
export interface DemoWorld {
  admin: DemoApi;
  agents: DemoAgent[];
  operator: DemoPrincipal;
  /** Whether decisions of HELD_JURISDICTION's category are held there for a person. */
  heldJurisdiction: { code: string; category: string; holds: boolean };
  environment: { id: string; name: string; endpoint: DemoHealthEndpoint };
}

/** Where the demo finds the platform, and the admin key it runs with. */
export interface DemoConnection {
  gatewayUrl: string;
  adminKey: string | undefined;
  /** Give up on one request after this long. */
  requestTimeoutMs: number;
}

/** Why the demo cannot start: a wrong or missing key, or a platform it cannot reach; the message says which. */
export class DemoStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoStartError';
  }
}

const ADMIN: DemoActor = { kind: 'admin', name: 'admin' };

/**
 * Gets a run ready through the API: checks that the key is an admin's, finds the demo agents and
 * operator of an earlier run (named `demo-…`, organisation `ECP demo`) and issues each a new API key,
 * or registers them; gives each agent a new signing key; defines the held jurisdiction when nobody
 * has; serves the health endpoint and registers it as an environment.
 *
 * @throws DemoStartError when the key is missing, refused or not an admin's, or the gateway is unreachable.
 */
export async function prepareDemo(
  connection: DemoConnection,
  emit: (event: DemoEvent) => void,
): Promise<DemoWorld> {
  const { gatewayUrl, adminKey, requestTimeoutMs } = connection;
  if (!adminKey) {
    throw new DemoStartError(
      'an admin API key is needed to register the demo agents: pass --key <key> or set ECP_API_KEY (the key `npm start` printed)',
    );
  }
  const apiAs = (key: string) => new DemoApi(new GatewayClient(gatewayUrl, key, requestTimeoutMs));
  const clientAs = (key: string, signingKey: KeyObject) =>
    createEcpClient({ url: gatewayUrl, apiKey: key, signingKey, fetch: fetchWithin(requestTimeoutMs) });
  const admin = apiAs(adminKey);
  await checkAdmin(admin, gatewayUrl);

  const earlier = (await admin.agents()).filter(
    (a) => a.name.startsWith(DEMO_NAME_PREFIX) && a.organisation === DEMO_ORGANISATION,
  );
  const agents = await Promise.all(
    DEMO_AGENTS.map(async (member) => {
      const { principal, how, apiKey } = await principalFor(member, earlier, admin, apiAs);
      const agent = await agentFor(principal, earlier, (signingKey) => clientAs(apiKey, signingKey));
      emit({
        kind: 'principal-ready',
        actor: agent.actor,
        jurisdictions: member.jurisdictions,
        how,
        signingKeyId: agent.signingKeyId,
      });
      return agent;
    }),
  );
  const { principal: operator, how } = await principalFor(DEMO_OPERATOR, earlier, admin, apiAs);
  emit({
    kind: 'principal-ready',
    actor: operator.actor,
    jurisdictions: [],
    how,
    signingKeyId: null,
  });

  const heldJurisdiction = await ensureHeldJurisdiction(operator, emit);
  const environment = await registerEnvironment(operator, emit);
  return { admin, agents, operator, heldJurisdiction, environment };
}

async function checkAdmin(admin: DemoApi, gatewayUrl: string): Promise<void> {
  let me: Awaited<ReturnType<DemoApi['me']>>;
  try {
    me = await admin.me();
  } catch (err) {
    if (err instanceof GatewayError && err.code === 'UNAUTHENTICATED') {
      throw new DemoStartError(
        `the gateway refused the API key (${err.reason}): pass an admin's key with --key or ECP_API_KEY (the key \`npm start\` printed)`,
      );
    }
    const cause = (err as Error & { cause?: { code?: string } }).cause;
    if (err instanceof TypeError || (err as Error).name === 'TimeoutError') {
      throw new DemoStartError(
        `cannot reach the gateway at ${gatewayUrl} (${cause?.code ?? (cause as Error | undefined)?.message ?? (err as Error).message}): is ECP running (\`npm start\`)? Point at it with --url or ECP_GATEWAY_URL`,
      );
    }
    throw new DemoStartError(`the gateway did not answer who the key is: ${(err as Error).message}`);
  }
  if (!me?.roles.includes('ADMIN')) {
    throw new DemoStartError(
      `the API key is ${me ? `${me.name}'s, who is not an admin (${me.roles.join(', ')})` : 'a service identity'}: registering the demo agents needs an admin's key (--key or ECP_API_KEY)`,
    );
  }
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/**
 * The cast member as found from an earlier run (same name, roles and jurisdictions, the demo's
 * organisation) with a new API key, so its record and calibration carry on; else registered now.
 * A live key of the demo's left by a run that was killed is revoked first. Answers the key issued.
 */
async function principalFor(
  member: CastMember,
  earlier: readonly ListedAgent[],
  admin: DemoApi,
  apiAs: (key: string) => DemoApi,
): Promise<{ principal: DemoPrincipal; how: 'registered' | 'reused'; apiKey: string }> {
  const actor: DemoActor = { kind: member.roles.includes('AGENT') ? 'agent' : 'operator', name: member.name };
  const found = earlier.find(
    (a) =>
      a.name === member.name &&
      sameSet(a.roles, member.roles) &&
      sameSet(a.jurisdictions, member.jurisdictions),
  );
  if (found) {
    const leftovers = (found.apiKeys ?? []).filter((k) => k.active && k.name === DEMO_KEY_NAME);
    await Promise.all(leftovers.map((k) => admin.revokeApiKey(k.id)));
    const issued = await admin.createApiKey(found.id, DEMO_KEY_NAME);
    const principal = { member, id: found.id, actor, api: apiAs(issued.apiKey), apiKeyId: issued.id };
    return { principal, how: 'reused', apiKey: issued.apiKey };
  }
  const registered = await admin.registerAgent({
    name: member.name,
    roles: member.roles,
    jurisdictions: member.jurisdictions,
    organisation: DEMO_ORGANISATION,
  });
  // Every key a run uses is named, so that one a killed run left live is found by its name: the
  // unnamed key registration issued is swapped for a named one at once.
  const issued = await admin.createApiKey(registered.id, DEMO_KEY_NAME);
  const api = apiAs(issued.apiKey);
  const unnamed = (await api.ownApiKeys()).filter((k) => k.active && k.id !== issued.id);
  await Promise.all(unnamed.map((k) => api.revokeApiKey(k.id)));
  const principal = { member, id: registered.id, actor, api, apiKeyId: issued.id };
  return { principal, how: 'registered', apiKey: issued.apiKey };
}

/**
 * The agent's SDK client, with a new Ed25519 key for the run (made in memory, its private half never
 * written anywhere), registered; keys of earlier runs (whose private halves are gone) revoked first.
 */
async function agentFor(
  principal: DemoPrincipal,
  earlier: readonly ListedAgent[],
  clientWith: (signingKey: KeyObject) => EcpClient,
): Promise<DemoAgent> {
  const previous = earlier.find((a) => a.id === principal.id)?.signingKeys ?? [];
  await Promise.all(previous.filter((k) => !k.revokedAt).map((k) => principal.api.revokeAgentKey(k.id)));
  const client = clientWith(generateKeyPairSync('ed25519').privateKey);
  const { id } = await client.registerSigningKey();
  return { ...principal, client, signingKeyId: id };
}

/** The runtime's fetch, giving up on each request after `ms`, as the demo's other requests do. */
function fetchWithin(ms: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(ms);
    return fetch(input, {
      ...init,
      signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout,
    });
  };
}

/**
 * HELD_JURISDICTION holds its category for a person: defined so when nobody has defined it; when it is
 * already defined otherwise, its owner's policy is left alone (decisions there are then held only by
 * friction or divergence).
 */
async function ensureHeldJurisdiction(
  operator: DemoPrincipal,
  emit: (event: DemoEvent) => void,
): Promise<DemoWorld['heldJurisdiction']> {
  const { code, category, approvers } = HELD_JURISDICTION;
  const policy = await operator.api.jurisdictionPolicy(code);
  let how: 'defined' | 'already' | 'left-as-is';
  if (policy.categoriesRequiringApproval.includes(category)) how = 'already';
  else if (!policy.defined) {
    await operator.api.defineJurisdiction({
      code,
      categoriesRequiringApproval: [category],
      approvalRules: [{ category, approvers }],
    });
    how = 'defined';
  } else how = 'left-as-is';
  const needed =
    how === 'already'
      ? (policy.approvalRules.find((r) => r.category === category)?.approvers ?? 1)
      : approvers;
  emit({
    kind: 'jurisdiction-ready',
    actor: operator.actor,
    jurisdiction: code,
    category,
    how,
    approvers: needed,
  });
  return { code, category, holds: how !== 'left-as-is' };
}

/** Serves the health endpoint and registers it, replacing the environment an earlier run left. */
async function registerEnvironment(
  operator: DemoPrincipal,
  emit: (event: DemoEvent) => void,
): Promise<DemoWorld['environment']> {
  const endpoint = await DemoHealthEndpoint.start();
  try {
    const stale = (await operator.api.environments()).find((e) => e.name === DEMO_ENVIRONMENT);
    if (stale) await operator.api.removeEnvironment(stale.id);
    const { id } = await operator.api.registerEnvironment({
      name: DEMO_ENVIRONMENT,
      url: endpoint.url,
      conditions: ['$.status == "ok"'],
      failThreshold: 2,
      successThreshold: 1,
      latencyObjectiveMs: 1000,
    });
    emit({
      kind: 'environment-ready',
      actor: operator.actor,
      name: DEMO_ENVIRONMENT,
      url: endpoint.url,
      replaced: stale !== undefined,
    });
    return { id, name: DEMO_ENVIRONMENT, endpoint };
  } catch (err) {
    await endpoint.stop();
    throw err;
  }
}

/**
 * Ends a run: removes the demo's environment (nothing will answer at its URL) and stops its endpoint,
 * revokes the signing keys and API keys issued for the run. Best effort: what fails is said, not thrown.
 */
export async function finishDemo(world: DemoWorld, emit: (event: DemoEvent) => void): Promise<void> {
  const problems: string[] = [];
  const attempt = async (what: string, call: () => Promise<void>): Promise<boolean> => {
    try {
      await call();
      return true;
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
      return false;
    }
  };
  const environmentRemoved = await attempt(`remove environment ${world.environment.name}`, () =>
    world.operator.api.removeEnvironment(world.environment.id),
  );
  await world.environment.endpoint.stop();
  const signing = await Promise.all(
    world.agents.map((a) =>
      attempt(`revoke ${a.member.name}'s signing key`, () => a.api.revokeAgentKey(a.signingKeyId)),
    ),
  );
  await Promise.all(world.agents.map((a) => a.client.close()));
  const keys = await Promise.all(
    [...world.agents, world.operator].map((p) =>
      attempt(`revoke ${p.member.name}'s API key`, () => world.admin.revokeApiKey(p.apiKeyId)),
    ),
  );
  emit({
    kind: 'cleaned-up',
    actor: ADMIN,
    environmentRemoved,
    apiKeysRevoked: keys.filter(Boolean).length,
    signingKeysRevoked: signing.filter(Boolean).length,
    problems,
  });
}
