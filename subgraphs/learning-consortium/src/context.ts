import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { SubgraphPlatform } from '@ecp/service-kit/subgraph-runtime';
import type { RequestScope } from '@ecp/service-kit/subgraph-server';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { LearningLedger } from './ledger/learning-ledger';
import { CalibrationService } from './modules/calibration/calibration.service';
import { JurisdictionService } from './modules/jurisdictions/jurisdiction.service';
import { LessonService } from './modules/lessons/lesson.service';
import { LinkService } from './modules/links/link.service';
import { OutcomeService } from './modules/outcomes/outcome.service';
import { OutcomeStatsService } from './modules/stats/outcome-stats.service';
import type { LearningSettings } from './settings';

/** Per request: the caller, a logger, a forked EntityManager and the learning services built on it. */
export interface LearningContext {
  principal: Principal;
  requestId: string;
  logger: Logger;
  em: EntityManager;
  calibration: CalibrationService;
  jurisdictions: JurisdictionService;
  outcomes: OutcomeService;
  lessons: LessonService;
  links: LinkService;
  outcomeStats: OutcomeStatsService;
}

export function createLearningContext(
  scope: RequestScope,
  orm: MikroORM,
  platform: SubgraphPlatform,
  { settings, ledger }: { settings: LearningSettings; ledger: LearningLedger },
): LearningContext {
  const em = orm.em.fork();
  const { principal, logger, requestId } = scope;
  const outbox = platform.outbox;
  if (!outbox) throw new Error('the learning subgraph publishes events: it needs its outbox');
  const jurisdictions = new JurisdictionService({ em, principal, logger, settings });
  return {
    ...scope,
    em,
    calibration: new CalibrationService({ em, shrinkage: settings.calibrationShrinkage }),
    jurisdictions,
    outcomes: new OutcomeService({
      em,
      principal,
      logger,
      requestId,
      ledger,
      outbox,
      shrinkage: settings.calibrationShrinkage,
    }),
    lessons: new LessonService({
      em,
      principal,
      logger,
      outbox,
      jurisdictions,
      pseudoCount: settings.priorPseudoCount,
    }),
    links: new LinkService({ em, principal, logger, requestId, ledger, jurisdictions }),
    outcomeStats: new OutcomeStatsService({ em, principal }),
  };
}
