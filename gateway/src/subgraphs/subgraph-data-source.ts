import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { IDENTITY_HEADER } from '@ecp/identity/identity-header';
import type { Principal } from '@ecp/identity/principal';
import { REQUEST_ID_HEADER } from '@ecp/service-kit/request-id';
import { markFailed, type Span, withClientSpan } from '@ecp/telemetry/spans';
import { traceHeaders } from '@ecp/telemetry/trace-context';
import type { Counter, Histogram } from 'prom-client';
import { Pool } from 'undici';
import type { GatewayContext } from '../context';

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  timeoutMs: number;
  connections: number;
  /** Share one subgraph request among identical concurrent queries of the same caller. */
  deduplicate: boolean;
  duration: Histogram<'subgraph' | 'outcome'>;
  deduplicated: Counter<'subgraph'>;
}

/** What came back from the subgraph, kept as text so that every waiter parses its own copy. */
type RawAnswer = { ok: true; status: number; text: string } | { ok: false; reason: string };

/**
 * Sends the gateway's fetches to one subgraph over a pool of keep-alive connections (undici), with
 * the caller's signed identity and the request id. `@apollo/gateway`'s default fetcher allocates
 * node-fetch objects and opens connections far less efficiently; this is most of the gateway's
 * throughput.
 *
 * Identical queries in flight at the same time for the same caller (same principal, operation and
 * variables) share one subgraph request. Queries have no side effects, and the caller is part of the
 * key, so each still gets exactly what the subgraph would have answered it. Mutations are never
 * shared.
 *
 * A subgraph that cannot be reached yields a GraphQL error naming it (code SUBGRAPH_UNAVAILABLE), so
 * the gateway answers with whatever the other subgraphs returned rather than failing the request.
 *
 * Within a traced request each fetch is a client span (`subgraph <name>`) whose traceparent the
 * subgraph continues. A fetch no traced request made — a subscription's fan-out — opens no span.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly inflight = new Map<string, Promise<RawAnswer>>();
  private readonly spanAttributes: Record<string, string | number>;

  constructor(private readonly options: SubgraphDataSourceOptions) {
    const url = new URL(options.url);
    this.path = `${url.pathname}${url.search}`;
    this.spanAttributes = {
      'ecp.subgraph': options.name,
      'server.address': url.hostname,
      'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    };
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    return withClientSpan(`subgraph ${this.options.name}`, this.spanAttributes, (span) =>
      this.fetch(options, span),
    );
  }

  private async fetch(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
    span: Span | undefined,
  ): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    // Health checks and schema loading carry no caller; every fetch of an operation does.
    const context = options.context as GatewayContext | undefined;
    const started = performance.now();
    const body = JSON.stringify({
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
    });
    const key =
      this.options.deduplicate && context?.principal && isQuery(request.query)
        ? `${callerKey(context.principal)}\n${body}`
        : undefined;
    let answer: Promise<RawAnswer>;
    const shared = key ? this.inflight.get(key) : undefined;
    if (shared) {
      this.options.deduplicated.inc({ subgraph: this.options.name });
      // The subgraph sees the first caller's span only; this one waited for its answer.
      span?.setAttribute('ecp.deduplicated', true);
      answer = shared;
    } else {
      answer = this.send(body, context);
      if (key) {
        this.inflight.set(key, answer);
        void answer.finally(() => this.inflight.delete(key));
      }
    }
    const raw = await answer;
    if (!raw.ok) {
      this.observe(started, 'unreachable', span);
      return this.unavailable(raw.reason);
    }
    let parsed: GatewayGraphQLResponse | undefined;
    try {
      parsed = JSON.parse(raw.text) as GatewayGraphQLResponse;
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== 'object' || (raw.status >= 300 && !parsed.errors)) {
      this.observe(started, 'error', span);
      return this.unavailable(`answered HTTP ${raw.status} without a GraphQL response`);
    }
    this.observe(started, parsed.errors ? 'graphql_error' : 'ok', span);
    return parsed;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async send(body: string, context: GatewayContext | undefined): Promise<RawAnswer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...traceHeaders() };
    if (context?.identityHeader) headers[IDENTITY_HEADER] = context.identityHeader();
    if (context?.requestId) headers[REQUEST_ID_HEADER] = context.requestId;
    try {
      const res = await this.pool.request({ path: this.path, method: 'POST', headers, body });
      return { ok: true, status: res.statusCode, text: await res.body.text() };
    } catch (err) {
      context?.logger?.warn({ err, subgraph: this.options.name }, 'subgraph unreachable');
      return { ok: false, reason: (err as Error).message };
    }
  }

  private unavailable(reason: string): GatewayGraphQLResponse {
    return {
      errors: [
        {
          message: `Subgraph "${this.options.name}" is unavailable: ${reason}`,
          extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
        } as never,
      ],
    };
  }

  private observe(started: number, outcome: string, span: Span | undefined): void {
    this.options.duration.observe(
      { subgraph: this.options.name, outcome },
      (performance.now() - started) / 1000,
    );
    span?.setAttribute('ecp.outcome', outcome);
    if (outcome === 'unreachable' || outcome === 'error') markFailed(span, `subgraph ${outcome}`);
  }
}

/** Query plans' fetches are `query …` or `{ … }`; anything else (mutations) is never shared. */
function isQuery(operation: string | undefined): boolean {
  if (!operation) return false;
  const head = operation.trimStart();
  return head.startsWith('{') || head.startsWith('query');
}

/** Everything about the caller that a subgraph's answer may depend on. */
function callerKey(principal: Principal): string {
  return JSON.stringify([principal.kind, principal.id, principal.roles, principal.jurisdictions]);
}
