import type { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { tracingEnabled } from './telemetry';
import { tracer } from './trace-context';

export type { Attributes, Span } from '@opentelemetry/api';

/**
 * The span of one incoming HTTP request. Its parent is the caller's `traceparent` header, when it sent
 * one, so a subgraph's span sits under the gateway's fetch and the gateway's under its client's.
 */
export interface RequestSpan {
  readonly traceId: string;
  /**
   * Runs `fn` — the rest of the request's handling — inside the span. The request's and response's
   * listeners are bound to it too: body parsers resume on stream events, which would otherwise run in
   * whatever context the socket had, and the trace would be lost between reading the body and the resolvers.
   */
  run(req: EventEmitter, res: EventEmitter, fn: () => void): void;
  /** Ends the span with the response's status (5xx marks it failed). Only the first call counts. */
  end(status: number, attributes?: Attributes): void;
}

/** Opens the server span of an incoming request, or returns undefined while tracing is off. */
export function startRequestSpan(
  headers: IncomingHttpHeaders,
  name: string,
  attributes: Attributes,
): RequestSpan | undefined {
  if (!tracingEnabled()) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  const active: Context = trace.setSpan(parent, span);
  let ended = false;
  return {
    traceId: span.spanContext().traceId,
    run(req, res, fn) {
      context.bind(active, req);
      context.bind(active, res);
      context.with(active, fn);
    },
    end(status, more) {
      if (ended) return;
      ended = true;
      span.setAttribute('http.response.status_code', status);
      if (more) span.setAttributes(more);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}

/**
 * Runs `fn` in a client span under the active one: a call to another process, which carries the span
 * on in `traceHeaders()`. With no active span (work no traced request caused, such as a subscription's
 * fan-out) or with tracing off, `fn` runs alone and gets no span, so such work starts no trace of its own.
 * A throw is recorded on the span and rethrown; `fn` marks other failures itself (`span.setStatus`).
 */
export async function withClientSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!tracingEnabled() || !trace.getActiveSpan()) return fn(undefined);
  return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed without an exception (an answer that was an error). */
export function markFailed(span: Span | undefined, message: string): void {
  span?.setStatus({ code: SpanStatusCode.ERROR, message });
}
