import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@ecp/events/event';
import { type StopTelemetry, startTelemetry } from '@ecp/telemetry/telemetry';
import { currentTraceparent, withTraceparent } from '@ecp/telemetry/trace-context';
import { testEnv } from '@ecp/test-kit/env';
import { decisionInput } from '@ecp/test-kit/fixtures';
import { graphql } from '@ecp/test-kit/http';
import {
  type OtlpReceiver,
  type ReceivedSpan,
  SPAN_KIND,
  startOtlpReceiver,
} from '@ecp/test-kit/otlp-receiver';
import { type Stack, startStack } from '@ecp/test-kit/stack';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * One trace from an agent's request to the job its event causes: every process exports to an OTLP
 * receiver in this test's process; the gateway continues the agent's traceparent, the ledger the
 * gateway's fetch, the decisionRecorded event carries the ledger's span, and a consumer's job
 * (`withTraceparent`, as the workers run one) continues from there. The processes run as `ecp start`
 * runs them — ESM under tsx — so this is also the proof that the SDK loads and propagates there.
 */
let stack: Stack;
let receiver: OtlpReceiver;
let redis: Redis;
let agentKey: string;

/** The agent's own trace, and the span its request is sent from. */
const TRACE = randomUUID().replaceAll('-', '');
const AGENT_SPAN = randomUUID().replaceAll('-', '').slice(0, 16);

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stack = await startStack({
    extraEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
  redis = new Redis(testEnv.redisUrl);
  const res = await graphql<{ registerAgent: { apiKey: string } }>(
    stack.graphqlUrl,
    'mutation { registerAgent(input: { name: "traced", jurisdictions: ["EU"] }) { apiKey } }',
    {},
    { headers: { authorization: `Bearer ${stack.adminKey}` } },
  );
  agentKey = res.body.data!.registerAgent.apiKey;
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
  await receiver?.close();
});

/** Log lines of a process as JSON, skipping anything else it printed. */
function jsonLogs(service: string): Record<string, unknown>[] {
  return stack.logs(service).flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Every span's parent is in the trace, or is the span the trace came in from: no link is broken. */
function expectConnected(spans: readonly ReceivedSpan[], entry: string): void {
  const ids = new Set(spans.map((s) => s.spanId));
  const orphans = spans.filter((s) => s.parentSpanId !== entry && !ids.has(s.parentSpanId));
  expect(orphans.map((s) => `${s.service}: ${s.name}`)).toEqual([]);
}

const by = (spans: readonly ReceivedSpan[], service: string, name: string, kind: number) =>
  spans.filter((s) => s.service === service && s.name === name && s.kind === kind);

describe('a recordDecision traced from the agent to the job its event causes', () => {
  let decisionId: string;
  let event: EventEnvelope;

  it('is one trace through the gateway and the ledger, which its event carries on', async () => {
    const requestId = randomUUID();
    const res = await graphql<{ recordDecision: { decision: { id: string } } }>(
      stack.graphqlUrl,
      'mutation ($input: RecordDecisionInput!) { recordDecision(input: $input) { decision { id } } }',
      { input: decisionInput() },
      {
        headers: {
          authorization: `Bearer ${agentKey}`,
          traceparent: `00-${TRACE}-${AGENT_SPAN}-01`,
          'x-request-id': requestId,
        },
      },
    );
    expect(res.body.errors).toBeUndefined();
    decisionId = res.body.data!.recordDecision.decision.id;

    // The ledger's own server span is the one continuing the gateway's fetch: the Liability Firewall's
    // calls to advisory (which reads the ledger in turn) add further ledger spans to the same trace.
    const fromGateway = (trace: readonly ReceivedSpan[]) => {
      const [fetch] = by(trace, 'gateway', 'subgraph ledger', SPAN_KIND.client);
      const server = by(trace, 'ledger', 'POST /graphql', SPAN_KIND.server).find(
        (s) => fetch && s.parentSpanId === fetch.spanId,
      );
      return { fetch, server };
    };
    const spans = await receiver.waitFor((all) => {
      const mine = all.filter((s) => s.traceId === TRACE);
      return (
        by(mine, 'gateway', 'POST /graphql', SPAN_KIND.server).length === 1 &&
        fromGateway(mine).server !== undefined
      );
    });
    const trace = spans.filter((s) => s.traceId === TRACE);
    const [gatewayServer] = by(trace, 'gateway', 'POST /graphql', SPAN_KIND.server);
    const { fetch, server: ledgerServer } = fromGateway(trace);
    expect(gatewayServer).toMatchObject({
      parentSpanId: AGENT_SPAN,
      attributes: { 'ecp.request_id': requestId, 'http.response.status_code': 200, 'url.path': '/graphql' },
    });
    expect(fetch).toMatchObject({ attributes: { 'ecp.subgraph': 'ledger', 'ecp.outcome': 'ok' } });
    // The subgraph continues the gateway's fetch, whatever the gateway's own spans in between.
    expect(ledgerServer).toMatchObject({
      parentSpanId: fetch!.spanId,
      attributes: { 'ecp.request_id': requestId },
    });
    // The API key was new to the gateway: its lookup at the ledger is part of the same request.
    expect(
      trace.some(
        (s) => s.service === 'ledger' && s.attributes['url.path'] === '/internal/principals/by-api-key',
      ),
    ).toBe(true);

    const entries = await redis.xrange(`${stack.eventStreamPrefix}decisionRecorded`, '-', '+');
    event = entries
      .map(([, fields]) => JSON.parse(fields[1]!) as EventEnvelope)
      .find((e) => e.key.id === decisionId)!;
    expect(event.trace).toBe(`00-${TRACE}-${ledgerServer!.spanId}-01`);
  });

  it("continues in the consumer's job, which withTraceparent runs in the event's trace", async () => {
    const stop: StopTelemetry = await startTelemetry({
      service: 'workers',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    let inside: string | undefined;
    try {
      await withTraceparent(event.trace, 'job scoreDivergence', { 'ecp.event.id': event.id }, async () => {
        inside = currentTraceparent();
      });
    } finally {
      await stop();
    }
    const [job] = by(receiver.trace(TRACE), 'workers', 'job scoreDivergence', SPAN_KIND.consumer);
    expect(job).toMatchObject({
      parentSpanId: event.trace!.split('-')[2],
      attributes: { 'ecp.event.id': event.id },
    });
    expect(inside).toBe(`00-${TRACE}-${job!.spanId}-01`);

    const trace = receiver.trace(TRACE);
    // The Liability Firewall asked the learning consortium and advisory within the same trace.
    expect(new Set(trace.map((s) => s.service))).toEqual(
      new Set(['gateway', 'ledger', 'advisory', 'learning-consortium', 'workers']),
    );
    expectConnected(trace, AGENT_SPAN);
  });

  it("names the trace in the request's log lines, in the gateway and in the ledger", () => {
    for (const service of ['gateway', 'ledger']) {
      const lines = jsonLogs(service).filter((l) => l.msg === 'request' && l.trace_id === TRACE);
      expect(lines.length, service).toBeGreaterThanOrEqual(1);
      expect(lines[0]!.span_id).toMatch(/^[0-9a-f]{16}$/);
    }
  });
});

describe('a request that arrives without a traceparent', () => {
  it('starts a trace at the gateway that reaches every subgraph it fetches from', async () => {
    const requestId = randomUUID();
    const res = await graphql(
      stack.graphqlUrl,
      '{ me { id name calibration { reports } votes(first: 1) { edges { cursor } } } }',
      {},
      { headers: { authorization: `Bearer ${agentKey}`, 'x-request-id': requestId } },
    );
    expect(res.body.errors).toBeUndefined();
    const rootOf = (all: readonly ReceivedSpan[]) =>
      all.find((s) => s.service === 'gateway' && s.attributes['ecp.request_id'] === requestId);
    const spans = await receiver.waitFor((all) => {
      const root = rootOf(all);
      if (!root) return false;
      const services = new Set(all.filter((s) => s.traceId === root.traceId).map((s) => s.service));
      return ['ledger', 'advisory', 'learning-consortium'].every((s) => services.has(s));
    });
    const root = rootOf(spans)!;
    expect(root).toMatchObject({ kind: SPAN_KIND.server, parentSpanId: '' });
    const trace = spans.filter((s) => s.traceId === root.traceId);
    for (const subgraph of ['ledger', 'advisory', 'learning-consortium']) {
      const [fetch] = by(trace, 'gateway', `subgraph ${subgraph}`, SPAN_KIND.client);
      expect(by(trace, subgraph, 'POST /graphql', SPAN_KIND.server)[0]?.parentSpanId, subgraph).toBe(
        fetch?.spanId,
      );
    }
    expectConnected(trace, '');
  });

  it('sends traces only, and traces no probe: /healthz, /readyz and /metrics open no span', () => {
    expect(new Set(receiver.paths)).toEqual(new Set(['/v1/traces']));
    expect(
      receiver.spans.filter((s) => /\/(healthz|readyz|metrics)$/.test(String(s.attributes['url.path']))),
    ).toEqual([]);
  });
});
