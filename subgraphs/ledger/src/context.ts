import type { Outbox } from '@ecp/events/outbox';
import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { RequestScope } from '@ecp/service-kit/subgraph-server';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AgentService } from './modules/agents/agent.service';
import { ApiKeyService } from './modules/api-keys/api-key.service';
import { AppendEntryService } from './modules/entries/append-entry.service';
import type { EntryKinds } from './modules/entries/entry-kind';
import type { BreakGlassSessions } from './modules/firewall/break-glass-sessions';
import { FirewallService } from './modules/firewall/firewall.service';
import type { FirewallGate } from './modules/firewall/firewall-gate';
import type { HeldDecision } from './modules/firewall/held-decision.entity';
import type { AdviceChecker } from './modules/ledger/advice-checker';
import { AgentKeyService } from './modules/ledger/agent-key.service';
import { DecisionService } from './modules/ledger/decision.service';
import type { LedgerLog } from './modules/ledger/ledger-log';
import { ProofService } from './modules/ledger/proof.service';
import { LiabilityRulesService } from './modules/liability/liability-rules.service';
import { PeopleService } from './modules/people/people.service';
import { PrecedentService } from './modules/precedents/precedent.service';
import { DecisionStatsService } from './modules/stats/decision-stats.service';

export interface LedgerSettings {
  tokenSecret: string;
  accessTokenMaxTtlSeconds: number;
  maxEntryBytes: number;
  /** How long a held decision waits for its approvals before the system rejects it. */
  holdTtlSeconds: number;
  /** How long a person's password setup token works. */
  personSetupTokenTtlMs: number;
}

/** What the Liability Firewall needs beside the request: the gate (null when off) and the expiry scheduler. */
export interface LedgerFirewall {
  gate: FirewallGate | null;
  outbox: Outbox;
  onHeld?: (held: HeldDecision) => Promise<void>;
  /** Operations' break-glass sessions, for commits with the glass broken. */
  breakGlass?: BreakGlassSessions;
}

/** Per request: the caller, a logger, a forked EntityManager and the domain services built on it. */
export interface LedgerContext {
  principal: Principal;
  requestId: string;
  logger: Logger;
  em: EntityManager;
  agents: AgentService;
  apiKeys: ApiKeyService;
  people: PeopleService;
  agentKeys: AgentKeyService;
  decisions: DecisionService;
  firewall: FirewallService;
  entries: AppendEntryService;
  proofs: ProofService;
  precedents: PrecedentService;
  liabilityRules: LiabilityRulesService;
  decisionStats: DecisionStatsService;
}

export function createLedgerContext(
  scope: RequestScope,
  orm: MikroORM,
  settings: LedgerSettings,
  log: LedgerLog,
  kinds: EntryKinds,
  advice: AdviceChecker,
  gated: LedgerFirewall,
): LedgerContext {
  const em = orm.em.fork();
  const { principal, logger, requestId } = scope;
  const liabilityRules = new LiabilityRulesService({
    em,
    principal,
    logger,
    log,
    maxEntryBytes: settings.maxEntryBytes,
  });
  const decisions: DecisionService = new DecisionService({
    em,
    principal,
    requestId,
    logger,
    log,
    advice,
    maxEntryBytes: settings.maxEntryBytes,
    gate: gated.gate,
    firewall: () => firewall,
    liabilityRules,
  });
  const firewall = new FirewallService({
    em,
    principal,
    requestId,
    logger: logger.child({ module: 'firewall' }),
    log,
    outbox: gated.outbox,
    decisions,
    holdTtlSeconds: settings.holdTtlSeconds,
    ...(gated.onHeld ? { onHeld: gated.onHeld } : {}),
    ...(gated.breakGlass ? { breakGlass: gated.breakGlass } : {}),
  });
  return {
    ...scope,
    em,
    agents: new AgentService({ em, principal, logger, ...settings }),
    apiKeys: new ApiKeyService({ em, principal, logger }),
    people: new PeopleService({ em, principal, logger, setupTokenTtlMs: settings.personSetupTokenTtlMs }),
    agentKeys: new AgentKeyService({ em, principal, logger }),
    decisions,
    firewall,
    entries: new AppendEntryService({
      em,
      principal,
      logger,
      log,
      kinds,
      maxEntryBytes: settings.maxEntryBytes,
    }),
    proofs: new ProofService({ em, principal }),
    precedents: new PrecedentService({ em, principal, decisions }),
    liabilityRules,
    decisionStats: new DecisionStatsService({ em, principal }),
  };
}
