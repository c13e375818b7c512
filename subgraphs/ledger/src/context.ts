import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { RequestScope } from '@ecp/service-kit/subgraph-server';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AgentService } from './modules/agents/agent.service';
import { ApiKeyService } from './modules/api-keys/api-key.service';
import { AppendEntryService } from './modules/entries/append-entry.service';
import type { EntryKinds } from './modules/entries/entry-kind';
import type { AdviceChecker } from './modules/ledger/advice-checker';
import { AgentKeyService } from './modules/ledger/agent-key.service';
import { DecisionService } from './modules/ledger/decision.service';
import type { LedgerLog } from './modules/ledger/ledger-log';
import { ProofService } from './modules/ledger/proof.service';
import { LiabilityRulesService } from './modules/liability/liability-rules.service';
import { PrecedentService } from './modules/precedents/precedent.service';

export interface LedgerSettings {
  tokenSecret: string;
  accessTokenMaxTtlSeconds: number;
  maxEntryBytes: number;
}

/** Per request: the caller, a logger, a forked EntityManager and the domain services built on it. */
export interface LedgerContext {
  principal: Principal;
  requestId: string;
  logger: Logger;
  em: EntityManager;
  agents: AgentService;
  apiKeys: ApiKeyService;
  agentKeys: AgentKeyService;
  decisions: DecisionService;
  entries: AppendEntryService;
  proofs: ProofService;
  precedents: PrecedentService;
  liabilityRules: LiabilityRulesService;
}

export function createLedgerContext(
  scope: RequestScope,
  orm: MikroORM,
  settings: LedgerSettings,
  log: LedgerLog,
  kinds: EntryKinds,
  advice: AdviceChecker,
): LedgerContext {
  const em = orm.em.fork();
  const { principal, logger, requestId } = scope;
  const decisions = new DecisionService({
    em,
    principal,
    requestId,
    logger,
    log,
    advice,
    maxEntryBytes: settings.maxEntryBytes,
  });
  return {
    ...scope,
    em,
    agents: new AgentService({ em, principal, logger, ...settings }),
    apiKeys: new ApiKeyService({ em, principal, logger }),
    agentKeys: new AgentKeyService({ em, principal, logger }),
    decisions,
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
    liabilityRules: new LiabilityRulesService({
      em,
      principal,
      logger,
      log,
      maxEntryBytes: settings.maxEntryBytes,
    }),
  };
}
