import { defineEntity, type InferEntity } from '@mikro-orm/core';

export type HealthStatus = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';

/**
 * An environment ECP checks: its URL is requested on a schedule and judged by the status code, the
 * conditions on its JSON body and its latency. Its status changes only after `failThreshold`
 * consecutive failed checks (down) or `successThreshold` consecutive passed ones (up), so one lost
 * request does not page anyone.
 */
export const EnvironmentEntity = defineEntity({
  name: 'Environment',
  tableName: 'environment',
  properties: (p) => ({
    id: p.uuid().primary(),
    name: p.text().unique(),
    url: p.text(),
    method: p.text().default('GET'),
    expectedStatus: p.integer().default(200),
    latencyObjectiveMs: p.integer().nullable(),
    /** As registered (each parsed and checked then): `<JSONPath> <operator> <JSON literal>`. */
    conditions: p.array().columnType('text[]'),
    failThreshold: p.integer().default(3),
    successThreshold: p.integer().default(1),
    status: p.text().$type<HealthStatus>().default('UNKNOWN'),
    consecutiveFailures: p.integer().default(0),
    consecutiveSuccesses: p.integer().default(0),
    lastCheckedAt: p.datetime().columnType('timestamptz').nullable(),
    /** The https certificate's expiry seen by the last check that reached the server. */
    certificateExpiresAt: p.datetime().columnType('timestamptz').nullable(),
    createdBy: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  }),
});

export type Environment = InferEntity<typeof EnvironmentEntity>;

/** One check of an environment: what it answered, how fast, and what failed. Kept for a bounded time. */
export const HealthRunEntity = defineEntity({
  name: 'HealthRun',
  tableName: 'health_run',
  properties: (p) => ({
    id: p.uuid().primary(),
    environmentId: p.uuid(),
    at: p.datetime().columnType('timestamptz'),
    /** Null when no response came (refused, timed out, TLS failure). */
    statusCode: p.integer().nullable(),
    latencyMs: p.integer(),
    ok: p.boolean(),
    slow: p.boolean(),
    /** Each failed expectation and why, e.g. `$.status == "ok": got "degraded"`. */
    failures: p.array().columnType('text[]'),
    certificateExpiresAt: p.datetime().columnType('timestamptz').nullable(),
  }),
});

export type HealthRun = InferEntity<typeof HealthRunEntity>;
