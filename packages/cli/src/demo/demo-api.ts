import type { GatewayClient } from '../gateway-client';

/**
 * The GraphQL operations `ecp demo` sends through the gateway as the admin and the operator, and as
 * each principal looking after its own API and signing keys: typed, one method each, as one principal
 * (the client's key). What the agents do as agents goes through the agent SDK instead (setup.ts).
 */
export class DemoApi {
  constructor(private readonly gateway: GatewayClient) {}

  private q<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    return this.gateway.query<T>(query, variables);
  }

  async me(): Promise<{ id: string; name: string; roles: string[] } | null> {
    return (
      await this.q<{ me: { id: string; name: string; roles: string[] } | null }>('{ me { id name roles } }')
    ).me;
  }

  /** Every registered agent and person (admins, analysts, operators may list them). */
  async agents(): Promise<ListedAgent[]> {
    const all: ListedAgent[] = [];
    let after: string | null = null;
    for (;;) {
      const { agents }: { agents: { pageInfo: PageInfo; edges: { node: ListedAgent }[] } } = await this.q(
        `query DemoAgents($after: String) { agents(first: 100, after: $after) {
          pageInfo { hasNextPage endCursor }
          edges { node { id name roles jurisdictions organisation createdAt
            apiKeys { id name active } signingKeys { id revokedAt } } } } }`,
        { after },
      );
      all.push(...agents.edges.map((e) => e.node));
      if (!agents.pageInfo.hasNextPage) return all;
      after = agents.pageInfo.endCursor;
    }
  }

  async registerAgent(input: {
    name: string;
    roles: readonly string[];
    jurisdictions: readonly string[];
    organisation: string;
  }): Promise<{ id: string; apiKey: string }> {
    const { registerAgent } = await this.q<{ registerAgent: { apiKey: string; agent: { id: string } } }>(
      'mutation DemoRegisterAgent($input: RegisterAgentInput!) { registerAgent(input: $input) { apiKey agent { id } } }',
      { input },
    );
    return { id: registerAgent.agent.id, apiKey: registerAgent.apiKey };
  }

  async createApiKey(agentId: string, name: string): Promise<{ id: string; apiKey: string }> {
    const { createApiKey } = await this.q<{ createApiKey: { apiKey: string; key: { id: string } } }>(
      'mutation DemoCreateApiKey($input: CreateApiKeyInput) { createApiKey(input: $input) { apiKey key { id } } }',
      { input: { agentId, name } },
    );
    return { id: createApiKey.key.id, apiKey: createApiKey.apiKey };
  }

  async revokeApiKey(id: string): Promise<void> {
    await this.q('mutation DemoRevokeApiKey($id: ID!) { revokeApiKey(id: $id) { id } }', { id });
  }

  /** The caller's own API keys (to find the one it is using). */
  async ownApiKeys(): Promise<{ id: string; name: string | null; active: boolean }[]> {
    const { me } = await this.q<{ me: { apiKeys: { id: string; name: string | null; active: boolean }[] } }>(
      '{ me { apiKeys { id name active } } }',
    );
    return me.apiKeys;
  }

  async revokeAgentKey(id: string): Promise<void> {
    await this.q('mutation DemoRevokeAgentKey($id: ID!) { revokeAgentKey(id: $id) { id } }', { id });
  }

  async jurisdictionPolicy(code: string): Promise<JurisdictionPolicy> {
    const { jurisdictionPolicy, jurisdiction } = await this.q<{
      jurisdictionPolicy: Omit<JurisdictionPolicy, 'defined'>;
      jurisdiction: { code: string } | null;
    }>(
      `query DemoPolicy($code: String!) {
        jurisdiction(code: $code) { code }
        jurisdictionPolicy(code: $code) { definedAt categoriesRequiringApproval approvalRules { category approvers } } }`,
      { code },
    );
    return { ...jurisdictionPolicy, defined: jurisdiction !== null };
  }

  async defineJurisdiction(input: {
    code: string;
    categoriesRequiringApproval: string[];
    approvalRules: { category: string; approvers: number }[];
  }): Promise<{ code: string; version: number }> {
    const { defineJurisdiction } = await this.q<{ defineJurisdiction: { code: string; version: number } }>(
      'mutation DemoDefineJurisdiction($input: DefineJurisdictionInput!) { defineJurisdiction(input: $input) { code version } }',
      { input },
    );
    return defineJurisdiction;
  }

  async environments(): Promise<{ id: string; name: string; url: string }[]> {
    return (
      await this.q<{ environments: { id: string; name: string; url: string }[] }>(
        '{ environments { id name url } }',
      )
    ).environments;
  }

  async registerEnvironment(input: {
    name: string;
    url: string;
    conditions: string[];
    failThreshold: number;
    successThreshold: number;
    latencyObjectiveMs: number;
  }): Promise<{ id: string }> {
    const { registerEnvironment } = await this.q<{ registerEnvironment: { id: string } }>(
      'mutation DemoRegisterEnvironment($input: RegisterEnvironmentInput!) { registerEnvironment(input: $input) { id } }',
      { input },
    );
    return registerEnvironment;
  }

  async removeEnvironment(id: string): Promise<void> {
    await this.q('mutation DemoRemoveEnvironment($id: ID!) { removeEnvironment(id: $id) }', { id });
  }

  /** Checks every environment now, as the scheduler does; this run's results. */
  async checkEnvironmentsNow(): Promise<HealthRun[]> {
    return (
      await this.q<{ checkEnvironmentsNow: HealthRun[] }>(
        `mutation DemoCheckNow { checkEnvironmentsNow { ok statusCode latencyMs failures
          environment { id name status consecutiveFailures failThreshold } } }`,
      )
    ).checkEnvironmentsNow;
  }

  async reviewDecision(verdict: 'approve' | 'reject', id: string, reason: string): Promise<ReviewedDecision> {
    const field = verdict === 'approve' ? 'approveDecision' : 'rejectDecision';
    const answer = await this.q<Record<string, ReviewedDecision>>(
      `mutation DemoReview($id: ID!, $reason: String!) { ${field}(id: $id, reason: $reason) {
        id status ledgerIndex leafHash approvalsNeeded approvals { verdict } } }`,
      { id, reason },
    );
    return answer[field]!;
  }
}

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

/** An agent or person as the demo looks for its own among them. */
export interface ListedAgent {
  id: string;
  name: string;
  roles: string[];
  jurisdictions: string[];
  organisation: string | null;
  createdAt: string;
  apiKeys: { id: string; name: string | null; active: boolean }[] | null;
  signingKeys: { id: string; revokedAt: string | null }[];
}

export interface JurisdictionPolicy {
  /** Whether the code itself is defined (else its settings come from above it, or the defaults). */
  defined: boolean;
  definedAt: string | null;
  categoriesRequiringApproval: string[];
  approvalRules: { category: string; approvers: number }[];
}

export interface HealthRun {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  failures: string[];
  environment: {
    id: string;
    name: string;
    status: 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';
    consecutiveFailures: number;
    failThreshold: number;
  } | null;
}

export interface ReviewedDecision {
  id: string;
  status: 'COMMITTED' | 'PENDING_APPROVAL' | 'REJECTED';
  ledgerIndex: string | null;
  leafHash: string | null;
  approvalsNeeded: number | null;
  approvals: { verdict: string }[];
}
