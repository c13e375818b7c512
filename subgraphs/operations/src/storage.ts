import { AlertEntity } from './modules/alerts/alert.entity';
import { AlertGroupEntity } from './modules/alerts/alert-group.entity';
import {
  BreakGlassReviewEntity,
  BreakGlassSessionEntity,
} from './modules/break-glass/break-glass-session.entity';
import { ChannelEntity } from './modules/delivery/channel.entity';
import { DeliveryEntity } from './modules/delivery/delivery.entity';
import { DeliveryAttemptEntity } from './modules/delivery/delivery-attempt.entity';
import { GithubThreadEntity } from './modules/delivery/github-thread.entity';
import { NotificationEntity } from './modules/delivery/notification.entity';
import { EnvironmentEntity, HealthRunEntity } from './modules/health/health.entities';
import {
  EscalationPolicyEntity,
  IncidentAlertEntity,
  IncidentEntity,
  IncidentEventEntity,
} from './modules/incidents/incident.entities';
import { PmReportEntity } from './modules/reports/pm-report.entity';
import { SilenceEntity } from './modules/silences/silence.entity';

/** What this subgraph keeps and where, as its GraphQL assembly and its jobs both open it. */
export const OPERATIONS_STORAGE = {
  dbSchema: 'operations',
  entities: [
    BreakGlassSessionEntity,
    BreakGlassReviewEntity,
    AlertEntity,
    ChannelEntity,
    NotificationEntity,
    DeliveryEntity,
    EnvironmentEntity,
    HealthRunEntity,
    DeliveryAttemptEntity,
    GithubThreadEntity,
    IncidentEntity,
    IncidentEventEntity,
    IncidentAlertEntity,
    EscalationPolicyEntity,
    AlertGroupEntity,
    SilenceEntity,
    PmReportEntity,
  ],
};
