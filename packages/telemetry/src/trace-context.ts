import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { tracingEnabled } from './telemetry';

/**
 * W3C trace context across ECP's process boundaries (https://www.w3.org/TR/trace-context/): what a
 * request, an event or a job carries so that the next process continues the same trace. Propagation
 * goes through `@opentelemetry/api`'s propagator, which `startTelemetry` sets to the W3C one; while
 * tracing is off every function here returns at its first line.
 */

/** The tracer of ECP's own spans. A proxy until the SDK is started, so it may be taken at load time. */
export const tracer = trace.getTracer('ecp');

/**
 * The W3C `traceparent` of the span active here (`00-<trace id>-<span id>-<flags>`), for whatever
 * carries work on to another process: an outbox event's `trace`, a job's data. Undefined when tracing
 * is off or no span is active.
 */
export function currentTraceparent(): string | undefined {
  if (!tracingEnabled()) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * The headers that continue the active trace in the process a request goes to (`traceparent`, and
 * `tracestate` when there is one). Empty when tracing is off or no span is active.
 */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  if (tracingEnabled()) propagation.inject(context.active(), carrier);
  return carrier;
}

/**
 * Runs `fn` inside a new span whose parent is `traceparent` — the trace of whatever caused the work:
 * for a job made from an event, the event envelope's `trace` (which the outbox wrote from the request
 * that caused it), so the job's spans, and the logs written inside them, join that request's trace.
 * With no (or a malformed) traceparent the span starts a trace of its own. The span ends when `fn`
 * settles; a throw is recorded on it and rethrown unchanged, so retries happen as they would without it.
 *
 * ```ts
 * import { withTraceparent } from '@ecp/telemetry/trace-context';
 * await withTraceparent(event.trace, 'job scoreDivergence', { 'ecp.event.id': event.id }, () =>
 *   service.scoreDivergence(event.key.id),
 * );
 * ```
 *
 * While tracing is off it only calls `fn`.
 */
export async function withTraceparent<T>(
  traceparent: string | undefined,
  spanName: string,
  attributes: Attributes,
  fn: () => Promise<T> | T,
): Promise<T> {
  if (!tracingEnabled()) return fn();
  const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
  return tracer.startActiveSpan(spanName, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Runs `fn` outside any trace: for process-wide loops that one request happens to start (the
 * ledger's batch loop), which would otherwise carry that request's context into work done for many.
 */
export function outsideAnyTrace<T>(fn: () => T): T {
  if (!tracingEnabled()) return fn();
  return context.with(ROOT_CONTEXT, fn);
}
