import { newId } from '@ecp/db/ids';
import type { Principal } from '@ecp/identity/principal';
import { JobProducer } from '@ecp/jobs/job-producer';
import { testEnv } from '@ecp/test-kit/env';
import { type SubgraphUnderTest, startSubgraph } from '@ecp/test-kit/subgraph';
import { Redis } from 'ioredis';
import { AlertGroupEntity } from '../src/modules/alerts/alert-group.entity';
import { flushAlertGroup, groupKeyOf } from '../src/modules/alerts/alert-groups';
import type { AlertRuleId } from '../src/modules/alerts/alert-rules';
import { type AlertWrite, fireAlert, resolveAlert } from '../src/modules/alerts/alert-sink';
import type { OperationsRuntime } from '../src/runtime';
import { operationsSettings } from '../src/settings';
import { operationsSubgraph } from '../src/subgraph';

/**
 * An operations subgraph on its own database and queue prefix, with a clock the test moves: the
 * subgraph's requests, the alert writes and the flush processor all read it.
 */
export class AlertingHarness {
  sg!: SubgraphUnderTest;
  redis!: Redis;
  producer!: JobProducer;
  readonly prefix = `ecp:test:${newId()}:`;
  readonly settings = operationsSettings({});
  /** Ahead of the machine's clock (1 January next year), as the workers' jobs read the machine's. */
  clock = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1, 10));
  runtime!: OperationsRuntime;
  readonly channels = [`mail-${newId()}`, `slack-${newId()}`];

  async start(): Promise<void> {
    this.sg = await startSubgraph(() =>
      operationsSubgraph({
        redisUrl: testEnv.redisUrl,
        queuePrefix: `${this.prefix}q`,
        settings: this.settings,
        now: () => this.clock,
      }),
    );
    this.redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: null });
    this.producer = new JobProducer(this.redis, `${this.prefix}q`);
    this.runtime = { jobs: this.producer, settings: this.settings, now: () => this.clock };
    const sql = this.sg.em().getConnection();
    for (const [i, name] of this.channels.entries()) {
      await sql.execute(
        'insert into operations.channel (id, name, kind, target, enabled, created_by) values (?, ?, ?, ?, true, ?)',
        [newId(), name, i === 0 ? 'EMAIL' : 'SLACK', 'ops@example.org', 'test'],
      );
    }
  }

  async stop(): Promise<void> {
    await this.producer?.close();
    await this.sg?.stop();
    if (this.redis) {
      const keys = await this.redis.keys(`${this.prefix}*`);
      if (keys.length) await this.redis.del(...keys);
      this.redis.disconnect();
    }
  }

  /** Moves the clock on by `ms`. */
  advance(ms: number): Date {
    this.clock = new Date(this.clock.getTime() + ms);
    return this.clock;
  }

  write<T>(fn: (w: AlertWrite) => Promise<T>): Promise<T> {
    return this.sg
      .em()
      .transactional((tx) => fn({ tx, outbox: this.sg.built.platform.outbox!, runtime: this.runtime }));
  }

  fire(rule: AlertRuleId, labels: Record<string, string>, summary = `${rule} ${JSON.stringify(labels)}`) {
    return this.write((w) => fireAlert(w, { rule, labels, summary }));
  }

  resolve(rule: AlertRuleId, labels: Record<string, string>) {
    return this.write((w) => resolveAlert(w, rule, labels));
  }

  async group(rule: AlertRuleId, labels: Record<string, string>) {
    const group = await this.sg.em().findOne(AlertGroupEntity, { groupKey: groupKeyOf(rule, labels) });
    if (!group) throw new Error(`no group for ${rule} ${JSON.stringify(labels)}`);
    return group;
  }

  /** Runs the flush job's processor for the group, at the test's clock. */
  async flush(rule: AlertRuleId, labels: Record<string, string>) {
    return flushAlertGroup(this.sg.em(), this.runtime, (await this.group(rule, labels)).id);
  }

  /** The notifications of the group's thread, oldest first, with their deliveries. */
  async notifications(rule: AlertRuleId, labels: Record<string, string>) {
    return this.sg
      .em()
      .getConnection()
      .execute<
        {
          id: string;
          kind: string;
          subject: string;
          markdown: string;
          action: string;
          thread_key: string;
          deliveries: number;
        }[]
      >(
        `select n.id, n.kind, n.subject, n.markdown, n.action, n.thread_key,
                (select count(*)::int from operations.delivery d where d.notification_id = n.id and d.status = 'PENDING') as deliveries
           from operations.notification n where n.thread_key = ? order by n.created_at, n.id`,
        [`alert-group:${groupKeyOf(rule, labels)}`],
      );
  }

  /** The delayed flush job enqueued for the group at `due`, if any. */
  async flushJob(groupId: string, due: Date) {
    return this.producer.queue('operations.flush-alert-group').getJob(`flush-${groupId}-${due.getTime()}`);
  }
}

export const person = (roles: Principal['roles'], id = newId()): Principal => ({
  kind: 'agent',
  id,
  name: 'someone',
  roles,
  jurisdictions: [],
});
