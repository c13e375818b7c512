import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { SubgraphPlatform } from '@ecp/service-kit/subgraph-runtime';
import type { RequestScope } from '@ecp/service-kit/subgraph-server';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { AdvisoryMetrics } from './advisory-metrics';
import type { ConsortiumEvidence } from './learning/consortium-evidence';
import type { LedgerEvidence } from './ledger/ledger-evidence';
import { AgreementService } from './modules/agreement/agreement.service';
import { DivergenceService } from './modules/divergence/divergence.service';
import { FrictionService } from './modules/friction/friction.service';
import { PollService, type PollTimers } from './modules/polls/poll.service';
import { AdviceStatsService } from './modules/stats/advice-stats.service';
import { VoteService } from './modules/votes/vote.service';
import { WeightSetService } from './modules/weights/weight-set.service';

/** Per request: the caller, a logger, a forked EntityManager and the advisory services built on it. */
export interface AdvisoryContext {
  principal: Principal;
  requestId: string;
  logger: Logger;
  em: EntityManager;
  votes: VoteService;
  weights: WeightSetService;
  friction: FrictionService;
  polls: PollService;
  agreement: AgreementService;
  divergences: DivergenceService;
  adviceStats: AdviceStatsService;
}

export function createAdvisoryContext(
  scope: RequestScope,
  orm: MikroORM,
  platform: SubgraphPlatform,
  {
    timers,
    metrics,
    evidence,
    consortium,
  }: {
    timers: PollTimers;
    metrics: AdvisoryMetrics;
    evidence: LedgerEvidence;
    consortium: ConsortiumEvidence;
  },
): AdvisoryContext {
  const em = orm.em.fork();
  const { principal, logger, requestId } = scope;
  if (!platform.outbox) throw new Error('the advisory subgraph publishes events: it needs its outbox');
  const weights = new WeightSetService({ em, principal, logger });
  const polls = new PollService({
    em,
    principal,
    logger,
    requestId,
    services: platform.services,
    outbox: platform.outbox,
    timers,
    metrics,
    consortium,
  });
  return {
    ...scope,
    em,
    votes: new VoteService({ em, principal, logger }),
    weights,
    friction: new FrictionService({
      em,
      principal,
      logger,
      requestId,
      services: platform.services,
      weights,
      metrics,
      evidence,
      consortium,
    }),
    polls,
    agreement: new AgreementService({ em, polls }),
    divergences: new DivergenceService({ em }),
    adviceStats: new AdviceStatsService({ em, principal }),
  };
}
