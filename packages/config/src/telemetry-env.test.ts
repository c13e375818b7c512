import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseEnv } from './env';
import { serviceCommon } from './schemas';

const schema = z.object(serviceCommon);

describe('the OpenTelemetry variables', () => {
  it('are all optional, and an empty value counts as unset', () => {
    const env = parseEnv('svc', schema, { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_SERVICE_NAME: '' });
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(env.OTEL_SERVICE_NAME).toBeUndefined();
    expect(env.OTEL_TRACES_SAMPLER).toBeUndefined();
  });

  it('are read with their standard meaning', () => {
    expect(
      parseEnv('svc', schema, {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x,tenant=ecp',
        OTEL_SERVICE_NAME: 'ledger-eu',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        OTEL_BSP_SCHEDULE_DELAY: '1000',
        OTEL_SDK_DISABLED: 'false',
      }),
    ).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_SERVICE_NAME: 'ledger-eu',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: 0.25,
      OTEL_BSP_SCHEDULE_DELAY: 1000,
      OTEL_SDK_DISABLED: 'false',
    });
  });

  it('refuse what the SDK would misread, naming each', () => {
    let error: unknown;
    try {
      parseEnv('svc', schema, {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        OTEL_EXPORTER_OTLP_HEADERS: 'no pairs here',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '2',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_HEADERS',
      'OTEL_TRACES_SAMPLER',
      'OTEL_TRACES_SAMPLER_ARG',
    ]) {
      expect(problems).toContain(`${name}=`);
    }
  });
});
