import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { createLogger } from '@ecp/logging/logger';
import { expect, it } from 'vitest';
import { startTelemetry } from './telemetry';
import { withTraceparent } from './trace-context';

/**
 * A collector that refuses what it is sent: the process says so in its own log rather than staying
 * silent, and still stops cleanly — traces are best effort, never a reason for a failed shutdown.
 */
it('logs a warning when the collector refuses an export, and stops cleanly all the same', async () => {
  const collector = createServer((_req, res) => {
    res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"refused"}');
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const out = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  out.on('data', (chunk: Buffer) =>
    lines.push(
      ...chunk
        .toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    ),
  );
  try {
    const stop = await startTelemetry({
      service: 'refused',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
        OTEL_BSP_SCHEDULE_DELAY: 10,
      },
      logger: createLogger({ service: 'refused', destination: out }),
    });
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'traces are exported over OTLP',
      serviceName: 'refused',
    });
    await withTraceparent(undefined, 'job', {}, () => undefined);
    await expect
      .poll(() => lines.find((l) => l.module === 'telemetry'))
      .toMatchObject({
        level: 'warn',
        detail: expect.stringContaining('Bad Request'),
      });
    expect(lines.find((l) => l.module === 'telemetry')).not.toHaveProperty('trace_id');

    await withTraceparent(undefined, 'job', {}, () => undefined);
    await expect(stop()).resolves.toBeUndefined();
  } finally {
    collector.closeAllConnections();
    await new Promise((r) => collector.close(r));
  }
});
