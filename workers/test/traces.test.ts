import { randomUUID } from 'node:crypto';
import { defineConsumer } from '@ecp/jobs/job-definition';
import { work as ledger } from '@ecp/subgraph-ledger/jobs';
import { type StopTelemetry, startTelemetry } from '@ecp/telemetry/telemetry';
import { decisionInput } from '@ecp/test-kit/fixtures';
import { graphql } from '@ecp/test-kit/http';
import { type OtlpReceiver, SPAN_KIND, startOtlpReceiver } from '@ecp/test-kit/otlp-receiver';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type ProbeHost, startHost } from './fixtures/probe-host';
import { probeWork } from './fixtures/probe-work';

/**
 * One trace from an agent's recordDecision to the effect a consumer in the workers commits for it: the
 * platform runs as processes exporting to an OTLP receiver in this test, and this process hosts a
 * consumer of `decisionRecorded` exactly as the workers do, exporting as `workers`.
 */
let stack: Stack;
let receiver: OtlpReceiver;
let host: ProbeHost;
let stopTelemetry: StopTelemetry;
let agentKey: string;
const TRACE = randomUUID().replaceAll('-', '');
const CONSUMER = 'advisory.decision-seen';

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stack = await startStack({
    extraEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
  stopTelemetry = await startTelemetry({
    service: 'workers',
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: 100 },
  });
  const client = new pg.Client({ connectionString: stack.db.url });
  await client.connect();
  await client.query('create table advisory.decision_seen (decision_id uuid primary key)');
  await client.end();
  const work = probeWork();
  host = await startHost(
    {
      ...work,
      jobs: [],
      consumers: [
        defineConsumer({
          name: CONSUMER,
          topics: ledger.topics?.filter((t) => t.name === 'decisionRecorded') ?? [],
          async handle(event, { em }) {
            await em
              .getConnection()
              .execute(
                'insert into advisory.decision_seen values (?)',
                [event.key.id],
                'run',
                em.getTransactionContext(),
              );
          },
        }),
      ],
    },
    {
      databaseUrl: stack.db.url,
      streamPrefix: stack.eventStreamPrefix,
      queuePrefix: `${stack.eventStreamPrefix}jobs`,
    },
  );
  const res = await graphql<{ registerAgent: { apiKey: string } }>(
    stack.graphqlUrl,
    'mutation { registerAgent(input: { name: "traced-to-the-job", jurisdictions: ["EU"] }) { apiKey } }',
    {},
    { headers: { authorization: `Bearer ${stack.adminKey}` } },
  );
  agentKey = res.body.data!.registerAgent.apiKey;
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await stopTelemetry?.();
  await stack?.stop();
  await receiver?.close();
});

describe('a trace across the whole path', () => {
  it('spans the gateway, the ledger and the consumer that applied the decision’s event', async () => {
    const res = await graphql<{ recordDecision: { decision: { id: string } } }>(
      stack.graphqlUrl,
      'mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { decision { id } } }',
      { input: decisionInput() },
      { headers: { authorization: `Bearer ${agentKey}`, traceparent: `00-${TRACE}-${'a'.repeat(16)}-01` } },
    );
    expect(res.body.errors).toBeUndefined();
    const decisionId = res.body.data!.recordDecision.decision.id;
    await eventually(
      async () => {
        const client = new pg.Client({ connectionString: stack.db.url });
        await client.connect();
        const { rowCount } = await client.query(
          'select 1 from advisory.decision_seen where decision_id = $1',
          [decisionId],
        );
        await client.end();
        return rowCount;
      },
      (n) => n === 1,
    );
    const spans = await receiver.waitFor((all) =>
      all.some((s) => s.traceId === TRACE && s.service === 'workers' && s.name === `consume ${CONSUMER}`),
    );
    const trace = spans.filter((s) => s.traceId === TRACE);
    const gateway = trace.find((s) => s.service === 'gateway' && s.kind === SPAN_KIND.server);
    // The ledger span continuing the gateway's fetch: the Liability Firewall's calls to advisory, which
    // reads the ledger in turn, put further ledger server spans in the same trace.
    const fetch = trace.find((s) => s.service === 'gateway' && s.name === 'subgraph ledger');
    const ledgerSpan = trace.find(
      (s) =>
        s.service === 'ledger' &&
        s.kind === SPAN_KIND.server &&
        s.name === 'POST /graphql' &&
        s.parentSpanId === fetch?.spanId,
    );
    const consume = trace.find((s) => s.service === 'workers' && s.name === `consume ${CONSUMER}`);
    expect(gateway).toBeDefined();
    expect(consume).toMatchObject({ kind: SPAN_KIND.consumer, parentSpanId: ledgerSpan?.spanId });
    expect(consume?.attributes).toMatchObject({ 'ecp.consumer': CONSUMER });
  });
});
