import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the gateway's subscription machinery exposes on /metrics. */
export function createSubscriptionMetrics(registry: Registry) {
  return {
    connections: new Gauge({
      name: 'ecp_ws_connections',
      help: 'Open graphql-ws connections.',
      registers: [registry],
    }),
    active: new Gauge({
      name: 'ecp_subscriptions_active',
      help: 'Active subscriptions, by subscription field.',
      labelNames: ['field'] as const,
      registers: [registry],
    }),
    groups: new Gauge({
      name: 'ecp_subscription_groups',
      help: 'Distinct (operation, variables, caller) groups sharing one execution per event.',
      registers: [registry],
    }),
    eventsIn: new Counter({
      name: 'ecp_subscription_events_in_total',
      help: 'Events read from the streams, by topic.',
      labelNames: ['topic'] as const,
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'ecp_subscription_events_duplicate_total',
      help: 'Events seen twice (re-published after a relay restart) and dropped, by topic.',
      labelNames: ['topic'] as const,
      registers: [registry],
    }),
    executions: new Counter({
      name: 'ecp_subscription_executions_total',
      help: 'Query-plan executions for events (one per group and event), by field.',
      labelNames: ['field'] as const,
      registers: [registry],
    }),
    messagesOut: new Counter({
      name: 'ecp_subscription_messages_out_total',
      help: 'next messages sent to subscribers, by field.',
      labelNames: ['field'] as const,
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'ecp_subscription_messages_dropped_total',
      help: 'Messages dropped for subscribers that read too slowly (oldest first), by field.',
      labelNames: ['field'] as const,
      registers: [registry],
    }),
    slowDisconnects: new Counter({
      name: 'ecp_subscription_slow_disconnects_total',
      help: 'Connections closed because they stayed too slow.',
      registers: [registry],
    }),
    revokedDisconnects: new Counter({
      name: 'ecp_ws_credential_revoked_disconnects_total',
      help: 'Connections closed (4401) because their credential was revoked or their roles changed.',
      registers: [registry],
    }),
    replays: new Gauge({
      name: 'ecp_subscription_replays',
      help: 'Replays of missed events (subscriptions resuming with a cursor), by state: running, or waiting for their turn.',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    replaysStarted: new Counter({
      name: 'ecp_subscription_replays_started_total',
      help: 'Replays of missed events that started (got their turn), by field.',
      labelNames: ['field'] as const,
      registers: [registry],
    }),
    replayEvents: new Counter({
      name: 'ecp_subscription_replay_events_total',
      help: 'Missed events sent by replays (also counted in ecp_subscription_messages_out_total), by field.',
      labelNames: ['field'] as const,
      registers: [registry],
    }),
    replaysRefused: new Counter({
      name: 'ecp_subscription_replays_refused_total',
      help: 'Subscriptions resuming with a cursor that were refused before anything was sent, by reason: invalid_cursor, cursor_trimmed (the stream no longer holds the events), too_far_behind (more than the gateway replays), too_many_replays (the caller has as many running and waiting as allowed).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    deliveryLatency: new Histogram({
      name: 'ecp_subscription_delivery_seconds',
      help: 'From the change being committed to its message being handed to the socket: once per event and group (when the last member was written), once per message for messages sent on their own (drained queues, live events held during a replay). Replayed missed events are not observed: their age is how long the client was away.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

export type SubscriptionMetrics = ReturnType<typeof createSubscriptionMetrics>;
