import type { Outbox } from '@ecp/events/outbox';
import type { Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import type { SubgraphPlatform } from '@ecp/service-kit/subgraph-runtime';
import type { RequestScope } from '@ecp/service-kit/subgraph-server';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AlertService } from './modules/alerts/alert.service';
import { BreakGlassService } from './modules/break-glass/break-glass.service';
import { ChannelService } from './modules/delivery/channel.service';
import { DeliveryService } from './modules/delivery/delivery.service';
import { HealthService } from './modules/health/health.service';
import { EscalationPolicyService } from './modules/incidents/escalation-policy.service';
import { IncidentService } from './modules/incidents/incident.service';
import { PmReportService } from './modules/reports/pm-report.service';
import { SilenceService } from './modules/silences/silence.service';
import type { OperationsRuntime } from './runtime';

/** Per request: the caller, a logger, a forked EntityManager and the operations services built on it. */
export interface OperationsContext {
  principal: Principal;
  requestId: string;
  logger: Logger;
  em: EntityManager;
  breakGlass: BreakGlassService;
  health: HealthService;
  channels: ChannelService;
  deliveries: DeliveryService;
  incidents: IncidentService;
  escalationPolicies: EscalationPolicyService;
  alerts: AlertService;
  silences: SilenceService;
  pmReports: PmReportService;
}

/** What every operations service is built from, per request. */
export interface OperationsServiceDeps {
  em: EntityManager;
  principal: Principal;
  requestId: string;
  logger: Logger;
  outbox: Outbox;
  services: ServiceDirectory;
  runtime: OperationsRuntime;
}

export function createOperationsContext(
  scope: RequestScope,
  orm: MikroORM,
  platform: SubgraphPlatform,
  runtime: OperationsRuntime,
): OperationsContext {
  const em = orm.em.fork();
  if (!platform.outbox) throw new Error('the operations subgraph publishes events: it needs its outbox');
  const deps: OperationsServiceDeps = {
    em,
    principal: scope.principal,
    requestId: scope.requestId,
    logger: scope.logger,
    outbox: platform.outbox,
    services: platform.services,
    runtime,
  };
  return {
    ...scope,
    em,
    breakGlass: new BreakGlassService(deps),
    channels: new ChannelService(deps),
    deliveries: new DeliveryService(deps),
    incidents: new IncidentService(deps),
    escalationPolicies: new EscalationPolicyService(deps),
    alerts: new AlertService(deps),
    silences: new SilenceService(deps),
    health: new HealthService(deps),
    pmReports: new PmReportService(deps),
  };
}
