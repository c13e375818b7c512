import { PassThrough } from 'node:stream';
import { createLogger } from '@ecp/logging/logger';
import { describe, expect, it } from 'vitest';
import { createShutdown } from './shutdown';

const logger = createLogger({ service: 'test', level: 'silent', destination: new PassThrough() });

describe('createShutdown', () => {
  it('closes in reverse order of registration, once', async () => {
    const order: string[] = [];
    const shutdown = createShutdown({ logger, deadlineMs: 1000 });
    shutdown.register('db', () => order.push('db'));
    shutdown.register('server', async () => {
      await new Promise((r) => setTimeout(r, 5));
      order.push('server');
    });
    const [a, b] = await Promise.all([shutdown.run('SIGTERM'), shutdown.run('SIGINT')]);
    expect(order).toEqual(['server', 'db']);
    expect(a).toBe(true);
    expect(b).toBe(true);
    expect(shutdown.stopping).toBe(true);
  });

  it('keeps going past a failing or hanging closer and reports it', async () => {
    const order: string[] = [];
    const shutdown = createShutdown({ logger, deadlineMs: 50 });
    shutdown.register('redis', () => order.push('redis'));
    shutdown.register('hangs', () => new Promise(() => {}));
    shutdown.register('fails', () => {
      throw new Error('boom');
    });
    const started = Date.now();
    expect(await shutdown.run('test')).toBe(false);
    expect(order).toEqual(['redis']);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
