import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

describe('createLogger', () => {
  it('writes structured JSON lines with service, level and redacted secrets', async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
    const logger = createLogger({ service: 'ledger', level: 'info', destination: out });
    logger.child({ module: 'agents' }).info(
      {
        req: { headers: { authorization: 'Bearer ecp_secret', cookie: 'ecp_session=ecps_secret' } },
        body: { password: 'hunter2 hunter2', setupToken: 'ecpp_secret' },
      },
      'hello',
    );
    logger.debug('not written at info');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ service: 'ledger', module: 'agents', level: 'info', msg: 'hello' });
    expect(line.req.headers.authorization).toBe('[redacted]');
    expect(line.req.headers.cookie).toBe('[redacted]');
    expect(line.body).toEqual({ password: '[redacted]', setupToken: '[redacted]' });
    expect(typeof line.time).toBe('string');
  });
});
