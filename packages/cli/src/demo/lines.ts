import { DEMO_AGENTS, DEMO_ENVIRONMENT, DEMO_ORGANISATION } from './cast';
import type { DemoActor, DemoEvent } from './events';
import type { DemoTally } from './tally';

/**
 * How `ecp demo` prints: one line per action, in three columns (where, who, what came of it), e.g.
 * `EU/DE   agent demo-atlas       recorded decision 3f2a9c1b… pricing → hold (0.81): committed (ledger #42)`,
 * and a summary of counts when it stops.
 */

const WHERE_WIDTH = 6;
const WHO_WIDTH = 22;

/**
 * The last eight characters of an id, enough to tell them apart on a screen (ECP's ids are UUIDv7,
 * whose first characters are the time and alike for everything made in the same minute).
 */
export const shortId = (id: string) => `…${id.slice(-8)}`;

const who = (actor: DemoActor) =>
  actor.kind === 'demo' || actor.kind === 'admin' ? actor.kind : `${actor.kind} ${actor.name}`;
const fixed = (n: number) => n.toFixed(2);
const ledger = (index: string | null) => (index === null ? '' : ` (ledger #${index})`);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One event as the line it prints as. */
export function lineOf(event: DemoEvent): string {
  const where = 'jurisdiction' in event && event.jurisdiction ? event.jurisdiction : '-';
  return `${where.padEnd(WHERE_WIDTH)}  ${who(event.actor).padEnd(WHO_WIDTH)}  ${whatOf(event)}`;
}

function whatOf(event: DemoEvent): string {
  switch (event.kind) {
    case 'principal-ready': {
      const how =
        event.how === 'reused'
          ? 'found from an earlier run, issued a new API key'
          : `registered (organisation ${DEMO_ORGANISATION})`;
      const where = event.jurisdictions.length > 0 ? `, acts in ${event.jurisdictions.join(', ')}` : '';
      const key = event.signingKeyId ? `, signs with key ${shortId(event.signingKeyId)}` : '';
      return `${how}${where}${key}`;
    }
    case 'jurisdiction-ready':
      if (event.how === 'defined')
        return `defined ${event.jurisdiction}: its ${event.category} decisions are held for ${plural(event.approvers, 'approver')}`;
      if (event.how === 'already')
        return `${event.jurisdiction} already holds its ${event.category} decisions for ${plural(event.approvers, 'approver')}`;
      return `${event.jurisdiction} is defined without approval for ${event.category}: left as it is (holds come from friction and divergence only)`;
    case 'environment-ready':
      return `serving ${event.url}, registered as environment ${event.name}${event.replaced ? ' (replacing an earlier run’s)' : ''}`;
    case 'recommendation-asked':
      return `asked the consortium about ${event.category}: ${event.best} first (expected success ${fixed(event.expectedSuccess)})${event.followed ? ', following it' : ''}`;
    case 'friction-assessed':
      return `assessed friction of ${event.category} → ${event.chosenOption}${event.withPoll ? ' with the poll' : ''}: ${fixed(event.score)}`;
    case 'poll-opened':
      return `opened poll ${shortId(event.pollId)} “${event.question}” (${event.voters} voters, quorum ${event.quorum}, ${event.weighting.toLowerCase()} weights)`;
    case 'vote-cast':
      return `voted ${event.option} (confidence ${fixed(event.confidence)}${event.signed ? ', signed' : ''}) in poll ${shortId(event.pollId)}`;
    case 'poll-closed': {
      const how =
        event.by === 'all-voted'
          ? `poll ${shortId(event.pollId)} closed by itself (all voted)`
          : `closed poll ${shortId(event.pollId)}`;
      const lead = event.leading
        ? `${event.leading} leads with ${event.leadingVotes} of ${plural(event.voteCount, 'vote')}`
        : 'no votes';
      const consensus = event.consensus === null ? 'quorum not met' : `consensus ${fixed(event.consensus)}`;
      return `${how}: ${lead}, ${consensus}`;
    }
    case 'decision-recorded': {
      const what = `recorded decision ${shortId(event.decisionId)} ${event.category} → ${event.chosenOption} (${fixed(event.confidence)})`;
      const extras = [
        ...(event.signed ? ['signed'] : []),
        ...(event.advice.length > 0 ? [`advice: ${event.advice.join(' + ')}`] : []),
        ...(event.precedents > 0 ? [`citing ${plural(event.precedents, 'precedent')}`] : []),
      ];
      const tail = extras.length > 0 ? `; ${extras.join(', ')}` : '';
      if (event.status === 'COMMITTED') return `${what}: committed${ledger(event.ledgerIndex)}${tail}`;
      const needs = event.approvalsNeeded ? `, needs ${plural(event.approvalsNeeded, 'approval')}` : '';
      return `${what}: held by the Liability Firewall (${event.holdReasons.join(', ')}${needs})${tail}`;
    }
    case 'decision-reviewed': {
      if (event.verdict === 'rejected')
        return `rejected held decision ${shortId(event.decisionId)}: it never binds`;
      if (event.status === 'COMMITTED')
        return `approved held decision ${shortId(event.decisionId)}: committed${ledger(event.ledgerIndex)}`;
      const left = (event.approvalsNeeded ?? 0) - event.approvalsGiven;
      return `approved held decision ${shortId(event.decisionId)}: still held, ${plural(left, 'more approval')} needed`;
    }
    case 'outcome-reported':
      return `reported the outcome of decision ${shortId(event.decisionId)}: success ${fixed(event.success)}${ledger(event.ledgerIndex)}`;
    case 'endpoint-switched':
      return event.up
        ? `environment ${event.environment} recovers: its endpoint answers 200 again`
        : `environment ${event.environment} goes down: its endpoint answers 503 (a simulated outage)`;
    case 'environment-checked': {
      const answer = event.statusCode === null ? 'no answer' : String(event.statusCode);
      const others = event.checked > 1 ? ` (and ${plural(event.checked - 1, 'other')})` : '';
      const state =
        event.status === 'UNHEALTHY'
          ? `UNHEALTHY after ${plural(event.consecutiveFailures, 'failed check')} in a row`
          : !event.ok
            ? `failing, ${event.consecutiveFailures} of ${event.failThreshold} failed checks before UNHEALTHY`
            : event.status;
      return `checked environments now${others}: ${event.environment} ${state} (${answer}, ${event.latencyMs} ms)`;
    }
    case 'action-failed':
      return `could not ${event.what}: ${event.code} ${event.reason}`;
    case 'cleaned-up': {
      const parts = [
        event.environmentRemoved
          ? `removed environment ${DEMO_ENVIRONMENT}`
          : `left environment ${DEMO_ENVIRONMENT}`,
        `revoked ${plural(event.apiKeysRevoked, 'API key')} and ${plural(event.signingKeysRevoked, 'signing key')} of this run`,
      ];
      const problems = event.problems.length > 0 ? `; could not: ${event.problems.join('; ')}` : '';
      return `${parts.join(', ')}${problems}`;
    }
  }
}

const duration = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
};

/** The summary printed when the demo stops. */
export function summaryOf(tally: DemoTally, elapsedMs: number): string {
  const d = tally.decisions;
  const p = tally.principals;
  const e = tally.environment;
  const agents = [
    ...(p.reused > 0 ? [`${p.reused} found from an earlier run`] : []),
    ...(p.registered > 0 ? [`${p.registered} registered`] : []),
  ].join(', ');
  const rows: [string, string][] = [
    [
      'principals',
      `${agents} (${DEMO_AGENTS.length} agents and an operator, named demo-…, organisation ${DEMO_ORGANISATION})`,
    ],
    ['friction', `${tally.friction} assessed`],
    ['consortium', `${plural(tally.recommendations, 'recommendation')} asked`],
    [
      'polls',
      `${tally.polls.opened} opened, ${plural(tally.polls.votes, 'vote')} cast, ${tally.polls.closed} closed`,
    ],
    [
      'decisions',
      `${d.recorded} recorded: ${d.committedAtOnce} committed at once, ${d.held} held (${d.approved} approved, ${d.rejected} rejected, ${tally.stillHeld} still held)`,
    ],
    ['outcomes', `${tally.outcomes} reported`],
    [
      'environment',
      `${plural(e.checks, 'check')}; went down ${plural(e.wentDown, 'time')}, UNHEALTHY ${plural(e.wentUnhealthy, 'time')}, back to HEALTHY ${plural(e.recovered, 'time')}`,
    ],
  ];
  return [
    `ecp demo stopped after ${duration(elapsedMs)}: ${plural(tally.actions, 'action')}, ${tally.failed} failed.`,
    ...rows.map(([name, text]) => `  ${name.padEnd(12)} ${text}`),
  ].join('\n');
}
