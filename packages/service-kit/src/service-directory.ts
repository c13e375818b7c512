import { servicePrincipal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { ServiceClient, type ServiceTarget } from './service-client';

/** Each subgraph's name (as in the supergraph) and the variable that holds its URL. */
export const SUBGRAPH_URL_VARIABLES = {
  ledger: 'LEDGER_URL',
  advisory: 'ADVISORY_URL',
  'learning-consortium': 'LEARNING_CONSORTIUM_URL',
  operations: 'OPERATIONS_URL',
} as const;

export type SubgraphName = keyof typeof SUBGRAPH_URL_VARIABLES;

const subgraphUrl = (fallbackPort: number) =>
  z.string().url().default(`http://127.0.0.1:${fallbackPort}/graphql`);

/** The subgraphs' URLs, as every process that calls them reads them (defaults: the local ports). */
export const subgraphUrlShape = {
  LEDGER_URL: subgraphUrl(4001),
  ADVISORY_URL: subgraphUrl(4002),
  LEARNING_CONSORTIUM_URL: subgraphUrl(4003),
  OPERATIONS_URL: subgraphUrl(4004),
};

export type SubgraphUrls = { [K in keyof typeof subgraphUrlShape]: string };

/** Subgraph name → configured URL. */
export function subgraphUrlsOf(config: SubgraphUrls): Record<SubgraphName, string> {
  return {
    ledger: config.LEDGER_URL,
    advisory: config.ADVISORY_URL,
    'learning-consortium': config.LEARNING_CONSORTIUM_URL,
    operations: config.OPERATIONS_URL,
  };
}

/** The service clients one process calls the other subgraphs with: one per target, made when first asked for. */
export interface ServiceDirectory {
  client(subgraph: SubgraphName): ServiceClient;
  close(): Promise<void>;
}

export interface ServiceDirectoryOptions {
  /** The calling process (`advisory`, `workers`): its service principal signs every call. */
  service: string;
  identitySecret: string;
  urls: Record<SubgraphName, string>;
  registry: Registry;
  logger: Logger;
  /** Per-target settings beyond the URL (timeouts, retries). */
  targets?: Partial<Record<SubgraphName, Omit<ServiceTarget, 'name' | 'url'>>>;
}

export function createServiceDirectory(options: ServiceDirectoryOptions): ServiceDirectory {
  const clients = new Map<SubgraphName, ServiceClient>();
  const identity = servicePrincipal(options.service);
  return {
    client(subgraph) {
      let client = clients.get(subgraph);
      if (!client) {
        client = new ServiceClient({
          identity,
          identitySecret: options.identitySecret,
          target: { ...options.targets?.[subgraph], name: subgraph, url: options.urls[subgraph] },
          registry: options.registry,
          logger: options.logger,
        });
        clients.set(subgraph, client);
      }
      return client;
    },
    async close() {
      await Promise.all([...clients.values()].map((c) => c.close()));
      clients.clear();
    },
  };
}

/** The subgraphs' URLs when none is configured: each on its local default port. */
export function defaultSubgraphUrls(): SubgraphUrls {
  return z.object(subgraphUrlShape).parse({});
}
