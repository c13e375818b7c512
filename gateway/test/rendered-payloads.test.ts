import { describe, expect, it } from 'vitest';
import { RenderedPayloads } from '../src/subscriptions/rendered-payloads';

describe('RenderedPayloads', () => {
  it('renders an event once for every caller, whether it is being rendered or already kept', async () => {
    const payloads = new RenderedPayloads(1000);
    let renders = 0;
    const render = async () => {
      renders++;
      await new Promise((r) => setTimeout(r, 10));
      return 'payload';
    };
    const together = await Promise.all([payloads.get('1-0', render), payloads.get('1-0', render)]);
    expect(together).toEqual(['payload', 'payload']);
    expect(await payloads.get('1-0', render)).toBe('payload');
    expect(renders).toBe(1);
  });

  it('keeps what it holds once full, rendering the rest each time', async () => {
    const payloads = new RenderedPayloads(10);
    let renders = 0;
    const render = (payload: string) => async () => {
      renders++;
      return payload;
    };
    await payloads.get('1-0', render('aaaaaaaa'));
    await payloads.get('2-0', render('bbbbbbbb'));
    expect(await payloads.get('1-0', render('x'))).toBe('aaaaaaaa');
    expect(await payloads.get('2-0', render('bbbbbbbb'))).toBe('bbbbbbbb');
    expect(renders).toBe(3);
  });
});
