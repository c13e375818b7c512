import { describe, expect, it } from 'vitest';
import { histogramQuantile, Metrics, parseMetrics, shareWithin } from './metrics';
import { subscriptionFor } from './protocol';
import { median, summarise } from './stats';

const exposition = `# HELP ecp_subscriptions_active Active subscriptions, by subscription field.
# TYPE ecp_subscriptions_active gauge
ecp_subscriptions_active{field="decisionRecorded"} 9000
ecp_subscriptions_active{field="checkpointPublished"} 1000
ecp_ws_connections 10000
lat_bucket{le="0.01"} 10
lat_bucket{le="0.1"} 90
lat_bucket{le="+Inf"} 100
`;

describe('gateway metrics', () => {
  it('sums a metric over its label sets', () => {
    const m = new Metrics(parseMetrics(exposition), 0);
    expect(m.sum('ecp_subscriptions_active')).toBe(10_000);
    expect(m.sum('ecp_ws_connections')).toBe(10_000);
    expect(m.sum('missing')).toBe(0);
  });

  it('interpolates histogram quantiles from bucket deltas', () => {
    const after = new Metrics(parseMetrics(exposition), 0).buckets('lat');
    const none = new Map<number, number>();
    expect(histogramQuantile(0.05, none, after)).toBeCloseTo(0.005);
    expect(histogramQuantile(0.5, none, after)).toBeCloseTo(0.01 + (0.09 * 40) / 80);
    // In the +Inf bucket: the highest finite bound.
    expect(histogramQuantile(0.99, none, after)).toBe(0.1);
    // Only what happened between the snapshots counts.
    expect(histogramQuantile(0.5, after, after)).toBeNaN();
    expect(shareWithin(0.1, none, after)).toBe(0.9);
    expect(shareWithin(0.1, after, after)).toBeNaN();
  });
});

describe('helpers', () => {
  it('summarises latencies and takes medians', () => {
    expect(summarise([3, 1, 2, 4])).toEqual({ count: 4, p50: 2, p99: 4, max: 4 });
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('spreads connections over groups', () => {
    const spec = { selection: '{ id }', groups: 3, vary: 'operationName' } as const;
    expect(subscriptionFor(spec, 4).operationName).toBe('Bench1');
    const filtered = subscriptionFor({ ...spec, vary: 'category' }, 5);
    expect(filtered.variables).toEqual({ filter: { category: 'c2' } });
  });
});
