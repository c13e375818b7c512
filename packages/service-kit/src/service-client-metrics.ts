import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * What a process's service clients report, one series per target subgraph (`subgraph` label) on the
 * process's own registry, next to its `service` label: `{service="ledger", subgraph="advisory"}` reads
 * as the ledger calling advisory. Named like the gateway's `gateway_subgraph_*` series.
 */
export interface ServiceClientMetrics {
  /** Per call, retries and backoff included; outcome `ok`, `remote_error`, or why no answer came. */
  duration: Histogram<'subgraph' | 'operation' | 'outcome'>;
  retries: Counter<'subgraph' | 'operation'>;
  fallbacks: Counter<'subgraph' | 'operation'>;
  /** 0 closed, 1 open, 2 half-open. */
  circuitState: Gauge<'subgraph'>;
  circuitTransitions: Counter<'subgraph' | 'state'>;
}

const byRegistry = new WeakMap<Registry, ServiceClientMetrics>();

/** The service-client metrics on `registry`, created the first time (every client of a process shares them). */
export function serviceClientMetrics(registry: Registry): ServiceClientMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: ServiceClientMetrics = {
    duration: new Histogram({
      name: 'service_client_request_duration_seconds',
      help: 'Time for a call to another subgraph to end, retries included, by subgraph, operation and outcome.',
      labelNames: ['subgraph', 'operation', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    retries: new Counter({
      name: 'service_client_retries_total',
      help: 'Queries to another subgraph sent again after it gave no answer.',
      labelNames: ['subgraph', 'operation'],
      registers,
    }),
    fallbacks: new Counter({
      name: 'service_client_fallbacks_total',
      help: "Calls to another subgraph answered by the caller's fallback because the subgraph gave no answer.",
      labelNames: ['subgraph', 'operation'],
      registers,
    }),
    circuitState: new Gauge({
      name: 'service_client_circuit_state',
      help: 'State of the circuit breaker to each subgraph: 0 closed, 1 open, 2 half-open.',
      labelNames: ['subgraph'],
      registers,
    }),
    circuitTransitions: new Counter({
      name: 'service_client_circuit_transitions_total',
      help: 'Circuit breaker state changes, by subgraph and the state entered (open, half_open, closed).',
      labelNames: ['subgraph', 'state'],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
