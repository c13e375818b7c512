import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { IDENTITY_HEADER } from '@ecp/identity/identity-header';
import { REQUEST_ID_HEADER } from '@ecp/service-kit/request-id';
import type { Histogram } from 'prom-client';
import { Pool } from 'undici';
import type { GatewayContext } from '../context';

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  timeoutMs: number;
  connections: number;
  duration: Histogram<'subgraph' | 'outcome'>;
}

/**
 * Sends the gateway's fetches to one subgraph over a pool of keep-alive connections (undici), with
 * the caller's signed identity and the request id. `@apollo/gateway`'s default fetcher opens and
 * caches connections far less efficiently; this is where most of the gateway's throughput comes from.
 *
 * A subgraph that cannot be reached yields a GraphQL error naming it (code SUBGRAPH_UNAVAILABLE), so
 * the gateway answers with whatever the other subgraphs returned rather than failing the request.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly pool: Pool;
  private readonly path: string;

  constructor(private readonly options: SubgraphDataSourceOptions) {
    const url = new URL(options.url);
    this.path = `${url.pathname}${url.search}`;
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request, context } = options;
    const started = performance.now();
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (context?.identityHeader) headers[IDENTITY_HEADER] = context.identityHeader();
    if (context?.requestId) headers[REQUEST_ID_HEADER] = context.requestId;
    const body = JSON.stringify({
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
    });
    try {
      const res = await this.pool.request({ path: this.path, method: 'POST', headers, body });
      const text = await res.body.text();
      let parsed: GatewayGraphQLResponse | undefined;
      try {
        parsed = JSON.parse(text) as GatewayGraphQLResponse;
      } catch {
        parsed = undefined;
      }
      if (!parsed || typeof parsed !== 'object' || (res.statusCode >= 300 && !parsed.errors)) {
        this.observe(started, 'error');
        return this.unavailable(`answered HTTP ${res.statusCode} without a GraphQL response`);
      }
      this.observe(started, parsed.errors ? 'graphql_error' : 'ok');
      return parsed;
    } catch (err) {
      this.observe(started, 'unreachable');
      context?.logger?.warn({ err, subgraph: this.options.name }, 'subgraph unreachable');
      return this.unavailable((err as Error).message);
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
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

  private observe(started: number, outcome: string): void {
    this.options.duration.observe(
      { subgraph: this.options.name, outcome },
      (performance.now() - started) / 1000,
    );
  }
}
