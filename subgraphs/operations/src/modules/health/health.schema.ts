import { SUBSCRIPTION_ALLOWED, servedByGateway } from '@ecp/service-kit/subscription-fields';
import { builder } from '../../builder';
import type { Environment, HealthRun } from './health.entities';
import { MAX_HISTORY } from './health.service';

const HealthStatusEnum = builder.enumType('HealthStatus', {
  description: 'An environment’s health, as its thresholds of consecutive checks decide it.',
  values: {
    UNKNOWN: { description: 'Not yet checked enough times to say.' },
    HEALTHY: { description: 'Its last checks passed, at least its success threshold in a row.' },
    UNHEALTHY: { description: 'Its last checks failed, at least its fail threshold in a row.' },
  } as const,
});

export const EnvironmentRef = builder.objectRef<Environment>('Environment');

export const HealthRunRef = builder.objectRef<HealthRun>('HealthRun').implement({
  description: 'One check of an environment: what it answered, how fast, and what failed.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    environment: t.field({
      type: EnvironmentRef,
      nullable: true,
      description: 'The environment checked (null once it has been removed).',
      resolve: (run, _args, ctx) => ctx.health.environmentOf(run),
    }),
    at: t.field({ type: 'DateTime', description: 'When the check was made.', resolve: (r) => r.at }),
    statusCode: t.exposeInt('statusCode', {
      nullable: true,
      description: 'The HTTP status answered; null when no response came (refused, timed out, TLS failure).',
    }),
    latencyMs: t.exposeInt('latencyMs', {
      description: 'Milliseconds from the request to the end of its body (or to its failure).',
    }),
    ok: t.exposeBoolean('ok', {
      description: 'The check passed: the expected status, every condition held, a response in time.',
    }),
    slow: t.exposeBoolean('slow', {
      description: 'A response came later than the latency objective (slow is not a failure).',
    }),
    failures: t.exposeStringList('failures', {
      description:
        'Each failed expectation and why, e.g. `status 503, expected 200` or `$.status == "ok": got "degraded"`.',
    }),
    certificateExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'For https: when the server’s certificate expires, as this check saw it.',
      resolve: (r) => r.certificateExpiresAt ?? null,
    }),
  }),
});

EnvironmentRef.implement({
  description:
    'An environment ECP checks on a schedule (every HEALTH_CHECK_INTERVAL_MS, 15 minutes by default): its URL is requested and judged by the status, the conditions on its JSON body and its latency. Visible to analysts, operators and admins.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (UUID).' }),
    name: t.exposeString('name', { description: 'Unique name, the `environment` label of its alerts.' }),
    url: t.exposeString('url', { description: 'What is requested (http or https).' }),
    method: t.exposeString('method', { description: 'The HTTP method of the request.' }),
    expectedStatus: t.exposeInt('expectedStatus', { description: 'The status a passing check answers.' }),
    latencyObjectiveMs: t.exposeInt('latencyObjectiveMs', {
      nullable: true,
      description: 'A check answering later than this is slow (raises `environment-slow`); null for none.',
    }),
    conditions: t.exposeStringList('conditions', {
      description:
        'Conditions on the JSON body, each `<JSONPath> <operator> <JSON literal>`, all of which must hold.',
    }),
    failThreshold: t.exposeInt('failThreshold', {
      description: 'Failed checks in a row that make it UNHEALTHY.',
    }),
    successThreshold: t.exposeInt('successThreshold', {
      description: 'Passed checks in a row that make it HEALTHY.',
    }),
    status: t.field({
      type: HealthStatusEnum,
      description: 'Its health now.',
      resolve: (e) => e.status,
    }),
    consecutiveFailures: t.exposeInt('consecutiveFailures', {
      description: 'Failed checks in a row up to the last one.',
    }),
    consecutiveSuccesses: t.exposeInt('consecutiveSuccesses', {
      description: 'Passed checks in a row up to the last one.',
    }),
    lastCheckedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was last checked; null before its first check.',
      resolve: (e) => e.lastCheckedAt ?? null,
    }),
    certificateExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'For https: when its certificate expires, as the last check that reached it saw it.',
      resolve: (e) => e.certificateExpiresAt ?? null,
    }),
    uptime24h: t.float({
      nullable: true,
      description:
        'The share of its checks in the last 24 hours that passed, in [0, 1]; null without checks.',
      resolve: async (e, _args, ctx) => (await ctx.health.uptime(e)).day,
    }),
    uptime7d: t.float({
      nullable: true,
      description: 'The share of its checks in the last 7 days that passed, in [0, 1]; null without checks.',
      resolve: async (e, _args, ctx) => (await ctx.health.uptime(e)).week,
    }),
    history: t.field({
      type: [HealthRunRef],
      description: `Its newest checks, newest first (at most ${MAX_HISTORY}; history is kept for 8 days by default).`,
      args: { first: t.arg.int({ required: false, defaultValue: 20, description: `1 to ${MAX_HISTORY}.` }) },
      resolve: (e, { first }, ctx) => ctx.health.history(e, first ?? 20),
    }),
    createdBy: t.exposeString('createdBy', { description: 'The id of who registered it.' }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it was registered.',
      resolve: (e) => e.createdAt,
    }),
  }),
});

builder.asEntity(EnvironmentRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: ({ id }, ctx) => ctx.health.findForReference(id),
});

const RegisterEnvironmentInputRef = builder.inputType('RegisterEnvironmentInput', {
  description: 'An environment to check, and what a passing check is.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique, 1 to 100 characters.' }),
    url: t.string({ required: true, description: 'An http or https URL, without credentials.' }),
    method: t.string({
      required: false,
      description: 'GET (default), HEAD, POST, PUT, PATCH, DELETE or OPTIONS.',
    }),
    expectedStatus: t.int({
      required: false,
      description: 'The status a passing check answers (default 200).',
    }),
    latencyObjectiveMs: t.int({
      required: false,
      description: 'Answering later than this is slow (not a failure); none by default.',
    }),
    conditions: t.stringList({
      required: false,
      description:
        'Conditions on the JSON body (at most 20), each `<JSONPath> <operator> <JSON literal>` with ==, !=, <, <=, >, >=: `$.status == "ok"`, `$.items.length > 0`. Filter and script expressions are refused.',
    }),
    failThreshold: t.int({
      required: false,
      description: 'Failed checks in a row to go UNHEALTHY (default 3).',
    }),
    successThreshold: t.int({
      required: false,
      description: 'Passed checks in a row to go HEALTHY (default 1).',
    }),
  }),
});

builder.queryFields((t) => ({
  environments: t.field({
    type: [EnvironmentRef],
    description: 'Every environment checked, by name (ANALYST, OPERATOR or ADMIN).',
    resolve: (_root, _args, ctx) => ctx.health.list(),
  }),
  environment: t.field({
    type: EnvironmentRef,
    description: 'One environment (ANALYST, OPERATOR or ADMIN); NOT_FOUND when there is none.',
    args: { id: t.arg.id({ required: true, description: 'Its id.' }) },
    resolve: (_root, { id }, ctx) => ctx.health.get(String(id)),
  }),
}));

builder.mutationFields((t) => ({
  registerEnvironment: t.field({
    type: EnvironmentRef,
    description:
      'Registers an environment to check (OPERATOR or ADMIN). A URL that is not http(s) or a condition that does not parse is BAD_USER_INPUT naming it (`input.conditions.<n>`); a name taken is CONFLICT.',
    args: { input: t.arg({ type: RegisterEnvironmentInputRef, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.health.register(input),
  }),
  removeEnvironment: t.id({
    description: 'Stops checking an environment and drops its history (OPERATOR or ADMIN); its id.',
    args: { id: t.arg.id({ required: true, description: 'Its id.' }) },
    resolve: (_root, { id }, ctx) => ctx.health.remove(String(id)),
  }),
  checkEnvironmentsNow: t.field({
    type: [HealthRunRef],
    description:
      'Checks every environment now, as the schedule does (OPERATOR or ADMIN): this run’s results, by environment name. It answers when the last check has (at most HEALTH_CHECK_TIMEOUT_MS per wave of HEALTH_CHECK_CONCURRENCY environments): with many slow environments, allow for it in the gateway’s SUBGRAPH_TIMEOUT_MS.',
    resolve: (_root, _args, ctx) => ctx.health.checkNow(),
  }),
}));

builder.subscriptionFields((t) => ({
  healthChanged: t.field({
    type: EnvironmentRef,
    description:
      'Each change of an environment’s health status, as `environments` reads it (ANALYST, OPERATOR or ADMIN).',
    directives: { topic: { name: 'healthChanged' } },
    subscribe: servedByGateway,
    resolve: (_root, _args, ctx) => {
      ctx.health.checkMayRead(); // what `environments` checks
      return SUBSCRIPTION_ALLOWED;
    },
  }),
}));
