import type { DemoEvent } from './events';

/** Kinds that get a run ready or end it, rather than being its traffic. */
const BOOKKEEPING = new Set<DemoEvent['kind']>([
  'principal-ready',
  'jurisdiction-ready',
  'environment-ready',
  'cleaned-up',
]);

/** What a demo run did, counted from its events: the summary printed when it stops. */
export class DemoTally {
  actions = 0;
  failed = 0;
  readonly principals = { registered: 0, reused: 0 };
  friction = 0;
  recommendations = 0;
  readonly polls = { opened: 0, votes: 0, closed: 0 };
  readonly decisions = { recorded: 0, committedAtOnce: 0, held: 0, approved: 0, rejected: 0 };
  outcomes = 0;
  readonly environment = { checks: 0, wentDown: 0, wentUnhealthy: 0, recovered: 0 };
  private lastHealth: string | null = null;
  private reviewedToTheEnd = 0;

  add(event: DemoEvent): void {
    if (!BOOKKEEPING.has(event.kind)) this.actions++;
    switch (event.kind) {
      case 'principal-ready':
        this.principals[event.how]++;
        break;
      case 'recommendation-asked':
        this.recommendations++;
        break;
      case 'friction-assessed':
        this.friction++;
        break;
      case 'poll-opened':
        this.polls.opened++;
        break;
      case 'vote-cast':
        this.polls.votes++;
        break;
      case 'poll-closed':
        this.polls.closed++;
        break;
      case 'decision-recorded':
        this.decisions.recorded++;
        if (event.status === 'COMMITTED') this.decisions.committedAtOnce++;
        else this.decisions.held++;
        break;
      case 'decision-reviewed':
        this.decisions[event.verdict]++;
        if (event.status !== 'PENDING_APPROVAL') this.reviewedToTheEnd++;
        break;
      case 'outcome-reported':
        this.outcomes++;
        break;
      case 'endpoint-switched':
        if (!event.up) this.environment.wentDown++;
        break;
      case 'environment-checked':
        this.environment.checks++;
        if (event.status === 'UNHEALTHY' && this.lastHealth !== 'UNHEALTHY') this.environment.wentUnhealthy++;
        if (event.status === 'HEALTHY' && this.lastHealth === 'UNHEALTHY') this.environment.recovered++;
        this.lastHealth = event.status;
        break;
      case 'action-failed':
        this.failed++;
        break;
      default:
        break;
    }
  }

  /**
   * Held decisions still waiting at the end: not yet reviewed, or needing more approvers than the
   * demo's one operator (the system rejects them when they expire).
   */
  get stillHeld(): number {
    return Math.max(0, this.decisions.held - this.reviewedToTheEnd);
  }
}
