import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { IDENTITY_HEADER, signIdentity } from '@ecp/identity/identity-header';
import { actingFor, actorOf, type Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import { withClientSpan } from '@ecp/telemetry/spans';
import { traceHeaders } from '@ecp/telemetry/trace-context';
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import type { Registry } from 'prom-client';
import { Pool } from 'undici';
import { REQUEST_ID_HEADER } from './request-id';
import { RemoteError, type RemoteGraphQLError, SubgraphUnavailableError } from './service-call-errors';
import { type ServiceClientMetrics, serviceClientMetrics } from './service-client-metrics';
import type { ServiceOperation } from './service-operation';

/** One subgraph a process calls, and how patiently. */
export interface ServiceTarget {
  /** The subgraph's name, as in the supergraph (`advisory`): the `subgraph` label of the metrics. */
  name: string;
  /** Its GraphQL endpoint, e.g. `http://127.0.0.1:4002/graphql`. */
  url: string;
  /** How long one attempt may take, connection and whole answer included. Default 2000 ms. */
  timeoutMs?: number;
  /** How many times a query is sent again after no answer (never a mutation). Default 2, at most 5. */
  retries?: number;
  /** The first retry's delay; each further one doubles it, with jitter, up to 1 s. Default 50 ms. */
  retryDelayMs?: number;
  /** Consecutive calls without an answer that open the circuit. Default 5. */
  breakAfterFailures?: number;
  /** How long the circuit stays open before one trial call may go through. Default 10 s. */
  halfOpenAfterMs?: number;
  /** Kept-alive connections to the target. Default 10. */
  connections?: number;
}

export interface ServiceClientOptions {
  /** Who calls: the process's own service principal, e.g. `servicePrincipal('ledger')`. */
  identity: Principal;
  /** The identity secret the process signs with (the current one). */
  identitySecret: string;
  target: ServiceTarget;
  /** The process's metrics registry (`ServiceMetrics.registry`): the client's series land beside its own. */
  registry: Registry;
  logger: Logger;
}

/** What the caller answers with when the target gives no answer: a value, or a function of why. */
export type Fallback<F> = F | ((err: SubgraphUnavailableError) => F | Promise<F>);

export interface CallOptions {
  /**
   * The principal of the request being handled (`ctx.principal`): the call carries its actor
   * (`actorOf`), so the target sees the service acting for that agent or person. Without it, or for a
   * service principal acting for no one, the call is the service's alone.
   */
  actingFor?: Principal;
  /** The request id to carry (`ctx.requestId`), so both sides' logs join up; a new one otherwise. */
  requestId?: string;
  /** Logs about this call go here (`ctx.logger`, which carries request id and actor). */
  logger?: Logger;
  /**
   * Stops waiting when the caller no longer needs the answer: the call rejects at once with the
   * signal's reason, and is not sent again. An attempt already sent still runs to its end (at most the
   * timeout), so that the breaker learns what the target did.
   */
  signal?: AbortSignal;
}

/** The circuit's state, as the breaker sees it. */
export type CircuitStateName = 'closed' | 'open' | 'half-open';

const MAX_RETRIES = 5;
const MAX_RETRY_DELAY_MS = 1000;
const IDENTITY_TTL_SECONDS = 30;

type Answer = { data: unknown; errors?: undefined } | { data: unknown; errors: RemoteGraphQLError[] };

/**
 * Calls one other subgraph's GraphQL API, as the service it is configured with, acting for the actor
 * of the request it handles. Every attempt is signed anew (the header lives 30 s), carries the request
 * id (and the request's traceparent, when it is traced), and is cut after the target's timeout.
 * Queries that get no answer are sent again a bounded number of times with backoff; mutations never
 * are, since the first may have been applied.
 *
 * A circuit breaker per target counts calls that got no answer (timeouts, connection failures,
 * non-GraphQL responses, SERVICE_UNAVAILABLE). After `breakAfterFailures` in a row it opens: calls
 * fail at once, without being sent, until `halfOpenAfterMs` has passed; then one trial call goes
 * through, and closes the circuit if it is answered or opens it again if not. An answer with errors is
 * an answer: it neither trips the breaker nor is retried.
 *
 * What happens when there is no answer is the caller's choice: given a `fallback`, the call answers
 * with it; without one, SubgraphUnavailableError propagates. Errors the target answered with are
 * RemoteError, keeping the target's code.
 */
export class ServiceClient {
  readonly subgraph: string;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly metrics: ServiceClientMetrics;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;

  constructor(private readonly options: ServiceClientOptions) {
    const { identity, target } = options;
    if (identity.kind !== 'service') throw new TypeError('a service client calls as a service principal');
    this.subgraph = target.name;
    this.timeoutMs = target.timeoutMs ?? 2000;
    this.retries = Math.max(0, Math.min(target.retries ?? 2, MAX_RETRIES));
    this.retryDelayMs = target.retryDelayMs ?? 50;
    const url = new URL(target.url);
    this.path = `${url.pathname}${url.search}`;
    this.pool = new Pool(url.origin, {
      connections: target.connections ?? 10,
      keepAliveTimeout: 30_000,
      // Backstops only: each attempt's own signal cuts it at the timeout.
      headersTimeout: this.timeoutMs * 2,
      bodyTimeout: this.timeoutMs * 2,
    });
    this.metrics = serviceClientMetrics(options.registry);
    this.breaker = circuitBreaker(
      handleWhen((err) => err instanceof SubgraphUnavailableError),
      {
        halfOpenAfter: target.halfOpenAfterMs ?? 10_000,
        breaker: new ConsecutiveBreaker(target.breakAfterFailures ?? 5),
      },
    );
    this.metrics.circuitState.set({ subgraph: this.subgraph }, 0);
    this.breaker.onStateChange((state) => this.onCircuitChange(state));
  }

  /** The circuit's state now. */
  get circuit(): CircuitStateName {
    return stateName(this.breaker.state);
  }

  /**
   * Sends `operation` and resolves with its data. Rejects with RemoteError when the target answered
   * with errors. When it gave no answer — down, too slow, or its circuit open — answers with the
   * `fallback` the caller gave (a value, or a function of the error), or else rejects with
   * SubgraphUnavailableError. A fallback never hides an error the target answered with.
   */
  request<TData, TVariables, F>(
    operation: ServiceOperation<TData, TVariables>,
    variables: TVariables,
    options: CallOptions & { fallback: Fallback<F> },
  ): Promise<TData | F>;
  request<TData, TVariables>(
    operation: ServiceOperation<TData, TVariables>,
    variables: TVariables,
    options?: CallOptions,
  ): Promise<TData>;
  async request<TData, TVariables, F>(
    operation: ServiceOperation<TData, TVariables>,
    variables: TVariables,
    options: CallOptions & { fallback?: Fallback<F> } = {},
  ): Promise<TData | F> {
    const started = performance.now();
    const labels = { subgraph: this.subgraph, operation: operation.name };
    try {
      // One client span per call (retries included) when the request it serves is traced.
      const data = (await withClientSpan(
        `${this.subgraph} ${operation.name}`,
        { 'ecp.subgraph': this.subgraph, 'graphql.operation.name': operation.name },
        () => this.send(operation, variables, options),
      )) as TData;
      this.metrics.duration.observe({ ...labels, outcome: 'ok' }, seconds(started));
      return data;
    } catch (err) {
      this.metrics.duration.observe({ ...labels, outcome: outcomeOf(err, options.signal) }, seconds(started));
      if (!(err instanceof SubgraphUnavailableError) || !('fallback' in options)) throw err;
      this.metrics.fallbacks.inc(labels);
      (options.logger ?? this.options.logger).warn(
        { ...labels, reason: err.reason },
        'service call gave no answer; answering with the fallback',
      );
      const { fallback } = options as { fallback: Fallback<F> };
      return typeof fallback === 'function'
        ? (fallback as (e: SubgraphUnavailableError) => F)(err)
        : fallback;
    }
  }

  /** Closes the connections once the calls in flight are done. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  private async send<TData, TVariables>(
    operation: ServiceOperation<TData, TVariables>,
    variables: TVariables,
    options: CallOptions,
  ): Promise<unknown> {
    const requestId = options.requestId ?? randomUUID();
    const body = JSON.stringify({ query: operation.source, variables, operationName: operation.name });
    const actor = options.actingFor ? actorOf(options.actingFor) : undefined;
    const identity = actingFor(this.options.identity, actor);
    const logger = options.logger ?? this.options.logger;
    const retries = operation.kind === 'query' ? this.retries : 0;
    for (let attempt = 1; ; attempt++) {
      let answer: Answer;
      try {
        options.signal?.throwIfAborted();
        // The attempt runs to its own end even if the caller gives up first, so that the breaker
        // counts what the target did, not what the caller stopped waiting for.
        answer = await abandonable(
          this.breaker.execute(() => this.attempt(operation.name, body, identity, requestId, attempt)),
          options.signal,
        );
      } catch (err) {
        if (err instanceof BrokenCircuitError) {
          throw new SubgraphUnavailableError(
            this.subgraph,
            operation.name,
            'circuit-open',
            'the circuit is open',
            attempt - 1,
          );
        }
        if (!(err instanceof SubgraphUnavailableError)) throw err;
        logger.warn(
          {
            subgraph: this.subgraph,
            operation: operation.name,
            attempt,
            reason: err.reason,
            detail: err.detail,
          },
          'service call gave no answer',
        );
        if (attempt > retries || options.signal?.aborted) throw err;
        this.metrics.retries.inc({ subgraph: this.subgraph, operation: operation.name });
        await sleep(this.retryDelay(attempt), undefined, { signal: options.signal }).catch(() => {
          throw options.signal?.reason;
        });
        continue;
      }
      if (answer.errors) throw new RemoteError(this.subgraph, operation.name, answer.errors, answer.data);
      return answer.data;
    }
  }

  /** One request to the target. Resolves with any GraphQL answer; throws when there was none. */
  private async attempt(
    operationName: string,
    body: string,
    identity: Principal,
    requestId: string,
    attempt: number,
  ): Promise<Answer> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const unavailable = (reason: SubgraphUnavailableError['reason'], detail: string) =>
      new SubgraphUnavailableError(this.subgraph, operationName, reason, detail, attempt);
    let status: number;
    let text: string;
    try {
      const res = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [IDENTITY_HEADER]: signIdentity(identity, this.options.identitySecret, IDENTITY_TTL_SECONDS),
          [REQUEST_ID_HEADER]: requestId,
          ...traceHeaders(),
        },
        body,
        signal,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      if (signal.aborted || isUndiciTimeout(err)) {
        throw unavailable('timeout', `no answer within ${this.timeoutMs} ms`);
      }
      throw unavailable('unreachable', describe(err));
    }
    const answer = parseAnswer(text);
    if (!answer) throw unavailable('bad-response', `HTTP ${status} without a GraphQL response`);
    if (answer.errors?.[0]?.extensions?.code === 'SERVICE_UNAVAILABLE') {
      throw unavailable('target-unavailable', answer.errors[0].message);
    }
    return answer;
  }

  private retryDelay(attempt: number): number {
    const ceiling = Math.min(MAX_RETRY_DELAY_MS, this.retryDelayMs * 2 ** (attempt - 1));
    // Half fixed, half random: callers retrying together spread out instead of arriving as one.
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private onCircuitChange(state: CircuitState): void {
    const name = stateName(state);
    const { logger } = this.options;
    this.metrics.circuitState.set({ subgraph: this.subgraph }, STATE_VALUE[name]);
    this.metrics.circuitTransitions.inc({ subgraph: this.subgraph, state: name.replaceAll('-', '_') });
    if (name === 'open') {
      logger.warn({ subgraph: this.subgraph }, 'circuit opened: calls fail at once until a trial succeeds');
    } else {
      logger.info({ subgraph: this.subgraph, circuit: name }, `circuit ${name}`);
    }
  }
}

const STATE_VALUE: Record<CircuitStateName, number> = { closed: 0, open: 1, 'half-open': 2 };

function stateName(state: CircuitState): CircuitStateName {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half-open';
    default:
      return 'open';
  }
}

function parseAnswer(text: string): Answer | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { data, errors } = parsed as { data?: unknown; errors?: unknown };
  if (Array.isArray(errors) && errors.length > 0) {
    return { data: data ?? null, errors: errors.map(remoteError) };
  }
  // A GraphQL answer without errors always carries data.
  if (data === undefined || data === null) return undefined;
  return { data };
}

function remoteError(value: unknown): RemoteGraphQLError {
  if (typeof value !== 'object' || value === null) return { message: String(value) };
  const { message, path, extensions } = value as Record<string, unknown>;
  return {
    message: typeof message === 'string' ? message : 'unknown error',
    ...(Array.isArray(path) ? { path: path as (string | number)[] } : {}),
    ...(typeof extensions === 'object' && extensions !== null
      ? { extensions: extensions as Record<string, unknown> }
      : {}),
  };
}

/** Waits for `work`, or rejects with the signal's reason as soon as the caller gives up. */
function abandonable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function isUndiciTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
}

function outcomeOf(err: unknown, signal: AbortSignal | undefined): string {
  if (err instanceof RemoteError) return 'remote_error';
  if (err instanceof SubgraphUnavailableError) return err.reason.replaceAll('-', '_');
  return signal?.aborted ? 'cancelled' : 'error';
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}
