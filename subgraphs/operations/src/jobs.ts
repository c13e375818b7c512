import type { SubgraphWork } from '@ecp/jobs/job-definition';
import {
  ALERT_SOURCES_CONSUMER,
  FLUSH_ALERT_GROUP_JOB,
  FLUSH_DUE_ALERT_GROUPS_JOB,
  RESOLVE_STALE_ALERT_JOB,
} from './modules/alerts/alert.jobs';
import { EXPIRE_BREAK_GLASS_JOB, EXPIRE_DUE_BREAK_GLASS_JOB } from './modules/break-glass/break-glass.jobs';
import { DELIVER_JOB, REDELIVER_PENDING_JOB } from './modules/delivery/delivery.jobs';
import { CHECK_ENVIRONMENTS_JOB } from './modules/health/health.jobs';
import { ESCALATE_DUE_INCIDENTS_JOB, ESCALATE_INCIDENT_JOB } from './modules/incidents/escalation';
import { WATCH_QUEUES_JOB } from './modules/queues/watch-queues.jobs';
import { PM_REPORT_HEARTBEAT_JOB, PM_REPORT_JOB } from './modules/reports/pm-report.jobs';
import { OPERATIONS_STORAGE } from './storage';
import { OPERATIONS_TOPICS } from './topics';

/**
 * The work this subgraph does outside requests, for `workers/` to host: the one part of a subgraph
 * the workers may import. Deliveries (one job per channel, and a sweep), incident escalation, alert
 * groups' timers and the alert sources' consumer, the scheduled health checks, break-glass expiry,
 * and the project-manager report with its heartbeat and the queue watch.
 */
export const work: SubgraphWork = {
  subgraph: 'operations',
  ...OPERATIONS_STORAGE,
  topics: OPERATIONS_TOPICS,
  jobs: [
    DELIVER_JOB,
    REDELIVER_PENDING_JOB,
    ESCALATE_INCIDENT_JOB,
    ESCALATE_DUE_INCIDENTS_JOB,
    FLUSH_ALERT_GROUP_JOB,
    FLUSH_DUE_ALERT_GROUPS_JOB,
    RESOLVE_STALE_ALERT_JOB,
    CHECK_ENVIRONMENTS_JOB,
    EXPIRE_BREAK_GLASS_JOB,
    EXPIRE_DUE_BREAK_GLASS_JOB,
    PM_REPORT_JOB,
    PM_REPORT_HEARTBEAT_JOB,
    WATCH_QUEUES_JOB,
  ],
  consumers: [ALERT_SOURCES_CONSUMER],
};
