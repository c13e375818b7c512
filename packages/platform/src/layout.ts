import { join } from 'node:path';
import type { ServiceSpec } from './supervisor';

/** The secrets ECP's processes share: the gateway-identity HMAC key, the access-token key, the log's key. */
export interface PlatformSecrets {
  identitySecret: string;
  tokenSecret: string;
  /** The ledger's checkpoint signing key, a signed-note signer key (PRIVATE+KEY+…). */
  ledgerSigningKey: string;
}

export interface PlatformPorts {
  gateway: number;
  ledger: number;
  advisory: number;
  learningConsortium: number;
  operations: number;
  workers: number;
}

export interface PlatformLayout {
  /** Started first, in parallel; each must be ready before the gateway starts. */
  subgraphs: ServiceSpec[];
  /** Started once the subgraphs answer. */
  edge: ServiceSpec[];
}

/** The processes that make up ECP and the environment each one gets. */
export function platformLayout(options: {
  repoRoot: string;
  host: string;
  ports: PlatformPorts;
  databaseUrl: string;
  redisUrl: string;
  secrets: PlatformSecrets;
  logLevel: string;
  extraEnv?: Record<string, string>;
}): PlatformLayout {
  const { repoRoot, host, ports, databaseUrl, redisUrl, secrets, logLevel, extraEnv = {} } = options;
  const common = {
    LOG_LEVEL: logLevel,
    LOG_FORMAT: 'json',
    ECP_IDENTITY_SECRET: secrets.identitySecret,
    APOLLO_TELEMETRY_DISABLED: 'true',
    ...extraEnv,
  };
  const url = (port: number) => `http://${host}:${port}/graphql`;
  // Every process that calls a subgraph (the gateway, the workers, the subgraphs themselves) knows them all.
  const subgraphUrls = {
    LEDGER_URL: url(ports.ledger),
    ADVISORY_URL: url(ports.advisory),
    LEARNING_CONSORTIUM_URL: url(ports.learningConsortium),
    OPERATIONS_URL: url(ports.operations),
  };
  const subgraph = (name: string, port: number): ServiceSpec => ({
    name,
    entry: join(repoRoot, 'subgraphs', name, 'src/main.ts'),
    port,
    env: { ...common, ...subgraphUrls, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
  });
  return {
    subgraphs: [
      {
        ...subgraph('ledger', ports.ledger),
        env: {
          ...subgraph('ledger', 0).env,
          ECP_TOKEN_SECRET: secrets.tokenSecret,
          LEDGER_SIGNING_KEY: secrets.ledgerSigningKey,
        },
      },
      subgraph('advisory', ports.advisory),
      subgraph('learning-consortium', ports.learningConsortium),
      subgraph('operations', ports.operations),
    ],
    edge: [
      {
        name: 'gateway',
        entry: join(repoRoot, 'gateway/src/main.ts'),
        port: ports.gateway,
        env: {
          ...common,
          ECP_TOKEN_SECRET: secrets.tokenSecret,
          REDIS_URL: redisUrl,
          ...subgraphUrls,
        },
      },
      {
        name: 'workers',
        entry: join(repoRoot, 'workers/src/main.ts'),
        port: ports.workers,
        env: {
          ...common,
          REDIS_URL: redisUrl,
          DATABASE_URL: databaseUrl,
          ECP_TOKEN_SECRET: secrets.tokenSecret,
          ...subgraphUrls,
        },
      },
    ],
  };
}
