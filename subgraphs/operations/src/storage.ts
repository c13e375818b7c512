import { AlertEntity } from './modules/alerts/alert.entity';
import { BreakGlassSessionEntity } from './modules/break-glass/break-glass-session.entity';
import { ChannelEntity } from './modules/delivery/channel.entity';
import { DeliveryEntity } from './modules/delivery/delivery.entity';
import { NotificationEntity } from './modules/delivery/notification.entity';
import { PmReportEntity } from './modules/reports/pm-report.entity';

/** What this subgraph keeps and where, as its GraphQL assembly and its jobs both open it. */
export const OPERATIONS_STORAGE = {
  dbSchema: 'operations',
  entities: [
    BreakGlassSessionEntity,
    AlertEntity,
    ChannelEntity,
    NotificationEntity,
    DeliveryEntity,
    PmReportEntity,
  ],
};
