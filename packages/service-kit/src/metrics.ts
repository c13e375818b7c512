import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics every ECP process exposes at /metrics, labelled with its service name. */
export interface ServiceMetrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  graphqlOperations: Counter<'operation_type' | 'outcome'>;
  graphqlOperationDuration: Histogram<'operation_type'>;
  graphqlErrors: Counter<'code'>;
}

export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  // These walk every handle (socket, timer) on each scrape: with thousands of WebSocket connections a
  // scrape would stall the event loop for tens of milliseconds. Open file descriptors stay.
  for (const costly of [
    'nodejs_active_handles',
    'nodejs_active_handles_total',
    'nodejs_active_resources',
    'nodejs_active_resources_total',
    'nodejs_active_requests',
    'nodejs_active_requests_total',
  ]) {
    registry.removeSingleMetric(costly);
  }
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration of HTTP requests, by method, matched route and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    graphqlOperations: new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations executed, by operation type and outcome (ok, error).',
      labelNames: ['operation_type', 'outcome'],
      registers: [registry],
    }),
    graphqlOperationDuration: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'Time from receiving a GraphQL operation to its response being ready.',
      labelNames: ['operation_type'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    graphqlErrors: new Counter({
      name: 'graphql_errors_total',
      help: 'Errors returned in GraphQL responses, by extensions.code.',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}
