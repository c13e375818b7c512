import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { RequestScope } from '@ecp/service-kit/subgraph-server';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { CalibrationService } from './modules/calibration/calibration.service';
import { JurisdictionService } from './modules/jurisdictions/jurisdiction.service';
import type { LearningSettings } from './settings';

/** Per request: the caller, a logger, a forked EntityManager and the learning services built on it. */
export interface LearningContext {
  principal: Principal;
  requestId: string;
  logger: Logger;
  em: EntityManager;
  calibration: CalibrationService;
  jurisdictions: JurisdictionService;
}

export function createLearningContext(
  scope: RequestScope,
  orm: MikroORM,
  settings: LearningSettings,
): LearningContext {
  const em = orm.em.fork();
  const { principal, logger } = scope;
  return {
    ...scope,
    em,
    calibration: new CalibrationService({ em }),
    jurisdictions: new JurisdictionService({ em, principal, logger, settings }),
  };
}
