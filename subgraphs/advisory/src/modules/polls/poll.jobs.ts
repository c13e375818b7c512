import type { Outbox } from '@ecp/events/outbox';
import { defineConsumer, defineJob } from '@ecp/jobs/job-definition';
import { z } from 'zod';
import { APPEND_LEDGER_ENTRY } from '../../ledger/ledger-operations';
import { POLL_UPDATED } from '../../topics';
import { PollEntity } from './poll.entity';
import { closeIfDue, POLL_RESULT_KIND, pollResultEntryBody } from './poll-closing';

class PollNotDueError extends Error {}

function outboxOf(outbox: Outbox | undefined): Outbox {
  if (!outbox) throw new Error('the advisory work publishes pollUpdated: its outbox is missing');
  return outbox;
}

/** A poll's timer: enqueued, delayed to its closing time, when the poll opens (job id `close-<poll id>`). */
export const CLOSE_POLL_JOB = defineJob({
  queue: 'advisory.close-poll',
  data: z.object({ pollId: z.string().uuid() }),
  async process({ pollId }, { orm, outbox, logger }) {
    const outcome = await closeIfDue(orm.em.fork(), outboxOf(outbox), pollId);
    // A clock running behind the web process's: try again shortly.
    if (outcome === 'not-due') throw new PollNotDueError(`poll ${pollId} is not due yet`);
    if (outcome === 'closed') logger.info({ pollId }, 'poll closed at its time');
    return outcome;
  },
  retry: { attempts: 20, backoff: { type: 'fixed', delayMs: 1_000 } },
});

/** How often the sweep looks for open polls past their time (a timer lost with its Redis, say). */
export const CLOSE_DUE_POLLS_EVERY_MS = 60_000;

/** The safety net behind the timers: closes every open poll whose time has passed. */
export const CLOSE_DUE_POLLS_JOB = defineJob({
  queue: 'advisory.close-due-polls',
  data: z.object({}),
  async process(_data, { orm, outbox, logger }) {
    const em = orm.em.fork();
    const due = await em.find(
      PollEntity,
      { status: 'OPEN', closesAt: { $lte: new Date() } },
      { fields: ['id'], limit: 500, orderBy: { closesAt: 'asc' } },
    );
    let closed = 0;
    for (const { id } of due) {
      if ((await closeIfDue(orm.em.fork(), outboxOf(outbox), id)) === 'closed') closed++;
    }
    if (closed > 0) logger.warn({ closed }, 'closed polls whose timers had not fired');
    return { closed };
  },
  scheduler: { id: 'advisory.close-due-polls', everyMs: CLOSE_DUE_POLLS_EVERY_MS, data: {} },
});

/**
 * Records each closed poll and its result in the ledger (`ecp.poll-result/v1`), exactly once: the
 * append is idempotent on the poll's id, and the entry's place is stored with the event as applied.
 */
export const POLL_RESULTS_CONSUMER = defineConsumer({
  name: 'advisory.poll-results',
  topics: [POLL_UPDATED],
  async handle(event, { em, outbox, services, logger }) {
    if (event.attributes.change !== 'CLOSED') return;
    const poll = await em.findOne(PollEntity, { id: event.key.id! });
    if (!poll || poll.ledgerIndex) return;
    const { appendLedgerEntry } = await services.client('ledger').request(
      APPEND_LEDGER_ENTRY,
      {
        input: {
          kind: POLL_RESULT_KIND,
          body: pollResultEntryBody(poll),
          idempotencyKey: `poll-result:${poll.id}`,
        },
      },
      { logger },
    );
    poll.ledgerIndex = appendLedgerEntry.index;
    poll.ledgerLeafHash = appendLedgerEntry.leafHash;
    await em.flush();
    await outboxOf(outbox).write(em, [
      {
        topic: POLL_UPDATED,
        key: { id: poll.id },
        attributes: { change: 'RECORDED', status: 'CLOSED', jurisdiction: poll.jurisdiction },
      },
    ]);
    logger.info({ pollId: poll.id, ledgerIndex: appendLedgerEntry.index }, 'poll result recorded');
  },
});
