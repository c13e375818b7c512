import { createHash } from 'node:crypto';
import { type DecisionDraft, EcpError, NetworkError, NotFoundError, type Poll } from '@ecp/agent-sdk';
import { GatewayError } from '../gateway-client';
import { HELD_TOPIC, TOPICS, type Topic } from './cast';
import type { HealthRun } from './demo-api';
import type { DemoActor, DemoEvent } from './events';
import type { DemoRandom } from './random';
import type { DemoAgent, DemoWorld } from './setup';
import { DemoActionFailed, type Story } from './story';

/**
 * The demo's stories: an agent deciding (with friction, the consortium, a precedent), an agent polling
 * its peers before deciding, a held payment reviewed by the operator, outcomes reported later, and
 * the environment going down and coming back.
 */

/** The kinds of story a run starts, besides the outages. */
export type StoryKind = 'decision' | 'poll' | 'held-payment';

/** What the stories of one run share: the world, the dice, and what has happened so far. */
export interface StoryContext {
  world: DemoWorld;
  random: DemoRandom;
  memory: DemoMemory;
}

type LedgerRef = { index: string; leafHash: string };

/** What a run remembers across stories: case numbers, keys, committed decisions to cite, reviews given. */
export class DemoMemory {
  private caseNumber = 10_400;
  private keys = 0;
  private reviews = 0;
  private readonly committed = new Map<string, LedgerRef[]>();

  /** `runId` keeps this run's idempotency keys apart from every other run's. */
  constructor(private readonly runId: string) {}

  nextCase(prefix: string): string {
    return `${prefix}-${++this.caseNumber}`;
  }

  nextIdempotencyKey(): string {
    return `ecp-demo-${this.runId}-${++this.keys}`;
  }

  remember(jurisdiction: string, category: string, ref: LedgerRef): void {
    const key = `${jurisdiction}|${category}`;
    this.committed.set(key, [ref, ...(this.committed.get(key) ?? [])].slice(0, 5));
  }

  /** Recent committed decisions of this run in exactly this jurisdiction and category, newest first. */
  precedentsFor(jurisdiction: string, category: string): LedgerRef[] {
    return this.committed.get(`${jurisdiction}|${category}`) ?? [];
  }

  /** Counts a review; true for the run's first, which the operator always approves. */
  firstReview(): boolean {
    return ++this.reviews === 1;
  }
}

const DEMO: DemoActor = { kind: 'demo', name: 'demo' };

function failure(
  actor: DemoActor,
  jurisdiction: string | null,
  what: string,
  err: unknown,
): DemoActionFailed {
  return new DemoActionFailed({ kind: 'action-failed', actor, jurisdiction, what, ...codeAndReason(err) });
}

/**
 * What went wrong, alike whether an agent's call (through the SDK) or the operator's failed: the
 * API's code and message, or that the request timed out or found no gateway.
 */
function codeAndReason(err: unknown): { code: string; reason: string } {
  if (err instanceof GatewayError) return { code: err.code, reason: err.reason };
  if (err instanceof EcpError && !(err instanceof NetworkError))
    return { code: err.code, reason: err.message };
  // The SDK's NetworkError wraps what fetch threw; the operator's calls throw it as it is.
  const e = (err instanceof NetworkError ? (err.cause ?? err) : err) as Error & { cause?: { code?: string } };
  const code =
    e.name === 'TimeoutError' ? 'TIMEOUT' : e.name === 'TypeError' && e.cause ? 'UNREACHABLE' : 'ERROR';
  return { code, reason: e.cause?.code ?? e.message };
}

/** Runs one call of a story; a failure becomes DemoActionFailed, saying who tried what where. */
async function attempt<T>(
  actor: DemoActor,
  jurisdiction: string | null,
  what: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw failure(actor, jurisdiction, what, err);
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const clampUnit = (x: number) => Math.min(1, Math.max(0, Math.round(x * 100) / 100));

const RATIONALES = [
  'it matches how similar cases turned out',
  'the customer’s history supports it',
  'it keeps the exposure within this quarter’s limits',
  'the numbers in the context point that way',
  'it is the option with the least regret if the forecast is wrong',
  'it follows the policy for this kind of case',
];
const APPROVALS = [
  'Checked the supplier and the amount.',
  'Within the budget agreed for the quarter.',
  'The history of this account supports it.',
  'Reviewed the context; reasonable.',
];
const REJECTIONS = [
  'The amount is above what this counterparty is usually paid; ask for a second quote.',
  'Not enough evidence in the context; decide again with the missing documents.',
];

/** The first stories of a run, so that a newcomer sees each kind within the first minute. */
const OPENING: readonly StoryKind[] = ['decision', 'poll', 'held-payment'];
/** Then, how often each kind starts. */
const MIX: readonly { kind: StoryKind; weight: number }[] = [
  { kind: 'decision', weight: 5 },
  { kind: 'poll', weight: 2 },
  { kind: 'held-payment', weight: 2 },
];

/** What a run plays: the next story to start each time one is wanted (the opening ones, then a mix). */
export function storyPlan(ctx: StoryContext): () => Story {
  let started = 0;
  return () => {
    const kind =
      started < OPENING.length ? OPENING[started]! : ctx.random.weighted(MIX, (m) => m.weight).kind;
    started++;
    return newStory(ctx, kind);
  };
}

/** Starts a story of `kind` with an agent, jurisdiction and topic picked for it. */
export function newStory(ctx: StoryContext, kind: StoryKind): Story {
  const { world, random } = ctx;
  if (kind === 'held-payment') {
    const code = world.heldJurisdiction.code;
    const agent = random.pick(world.agents.filter((a) => a.member.actsIn.includes(code)));
    return decisionStory(ctx, agent, code, HELD_TOPIC);
  }
  const agent = random.pick(world.agents);
  const jurisdiction = random.pick(agent.member.actsIn);
  // Payments where they are held are the held-payment story's; elsewhere they commit like the rest.
  const topics = TOPICS.filter(
    (t) => !(t.category === world.heldJurisdiction.category && jurisdiction === world.heldJurisdiction.code),
  );
  const topic = random.pick(topics);
  return kind === 'poll'
    ? pollStory(ctx, agent, jurisdiction, topic)
    : decisionStory(ctx, agent, jurisdiction, topic);
}

/** A poll the decision took as advice: its id, the case it was about and the option it leaned to. */
interface PollAdvice {
  id: string;
  caseRef: string;
  leading: string | null;
}

/**
 * An agent decides: it may ask the consortium first, usually asks for friction, records the decision
 * (signed, with its tags, input digests, perhaps a precedent and the advice it took); a held one is
 * approved or rejected by the operator moments later; later still the agent may report how it turned out.
 */
export async function* decisionStory(
  ctx: StoryContext,
  agent: DemoAgent,
  jurisdiction: string,
  topic: Topic,
  poll?: PollAdvice,
): Story {
  const { random, memory, world } = ctx;
  const { actor } = agent;
  const caseRef = poll?.caseRef ?? memory.nextCase(topic.casePrefix);
  const options = topic.options.map((o) => ({ id: o.id, description: o.description }));
  const optionIds = options.map((o) => o.id);
  let chosen = random.weighted(topic.options, (o) => o.appeal).id;
  let lessonVersion: string | undefined;

  if (poll) {
    // Mostly with the poll; now and then against it (which the firewall may hold for divergence).
    if (poll.leading && random.chance(0.75)) chosen = poll.leading;
    else chosen = random.pick(optionIds.filter((id) => id !== poll.leading));
  } else if (random.chance(0.35)) {
    const recommendation = await attempt(actor, jurisdiction, 'ask the consortium', () =>
      agent.client.recommendation({ jurisdiction, category: topic.category, options: optionIds }),
    );
    const best = recommendation.options[0]!;
    const followed = random.chance(0.6);
    if (followed) {
      chosen = best.option;
      lessonVersion = recommendation.lessonVersion;
    }
    yield {
      kind: 'recommendation-asked',
      actor,
      jurisdiction,
      category: topic.category,
      best: best.option,
      expectedSuccess: best.expectedSuccess,
      followed,
    };
  }

  const confidence = random.unit(0.55, 0.95);
  // The choice, as friction is asked of it: before the case file and the rationale are written down
  // (friction reads neither).
  const choice: DecisionDraft = {
    jurisdiction,
    category: topic.category,
    context: {},
    options,
    chosenOption: chosen,
    rationale: '',
    confidence,
  };
  let frictionAssessmentId: string | undefined;
  if (poll || random.chance(0.8)) {
    const draft: DecisionDraft = {
      ...choice,
      irreversibility: clampUnit(topic.irreversibility + random.unit(-0.15, 0.15)),
      impactScope: clampUnit(topic.impactScope + random.unit(-0.15, 0.15)),
    };
    const friction = await attempt(actor, jurisdiction, 'assess friction', () =>
      agent.client.assessFriction(draft, poll ? { pollId: poll.id } : {}),
    );
    frictionAssessmentId = friction.id;
    yield {
      kind: 'friction-assessed',
      actor,
      jurisdiction,
      category: topic.category,
      chosenOption: chosen,
      score: friction.score,
      assessmentId: friction.id,
      withPoll: poll !== undefined,
    };
  }

  // A precedent is cited only by a decision that names its own friction assessment, and only there:
  // friction computed from cited precedents fails today (the advisory subgraph is not shown the cited
  // entries' contents), so `assessFriction` answers INTERNAL_SERVER_ERROR and the firewall, asking the
  // same, holds the decision as ADVICE_UNAVAILABLE.
  const precedents =
    frictionAssessmentId && random.chance(0.4)
      ? memory.precedentsFor(jurisdiction, topic.category).slice(0, 1)
      : [];
  const option = topic.options.find((o) => o.id === chosen)!;
  const context = {
    case: caseRef,
    summary: topic.question.replace('{case}', caseRef),
    [topic.amount.name]: random.int(topic.amount.min, topic.amount.max),
    channel: random.pick(['web', 'store', 'partner', 'phone']),
  };
  const draft: DecisionDraft = {
    ...choice,
    context,
    rationale: `${option.description}: ${random.pick(RATIONALES)}.`,
    inputDigests: [{ name: 'case-file', digest: sha256(JSON.stringify(context)) }],
    precedents,
    tags: ['demo', ...random.sample(topic.tags, random.int(1, topic.tags.length))],
  };
  // Signed by the SDK with the agent's key. The run's own idempotency key, not one derived from the
  // draft: another run (with the same --seed, say) may draft the very same decision, and should
  // record it again rather than be answered with the first.
  const recorded = await attempt(actor, jurisdiction, 'record a decision', () =>
    agent.client.recordDecision(draft, {
      advice: { frictionAssessmentId, pollId: poll?.id, lessonVersion },
      idempotencyKey: memory.nextIdempotencyKey(),
    }),
  );
  const decisionId = recorded.decision.id;
  if (recorded.status === 'COMMITTED') {
    memory.remember(jurisdiction, topic.category, {
      index: recorded.ledgerIndex!,
      leafHash: recorded.leafHash!,
    });
  }
  yield {
    kind: 'decision-recorded',
    actor,
    jurisdiction,
    category: topic.category,
    decisionId,
    chosenOption: chosen,
    confidence,
    status: recorded.status,
    ledgerIndex: recorded.ledgerIndex,
    holdReasons: recorded.decision.holdReasons,
    approvalsNeeded: recorded.decision.approvalsNeeded,
    signed: recorded.decision.signedBy !== null,
    advice: [
      ...(frictionAssessmentId ? ['friction'] : []),
      ...(poll ? ['poll'] : []),
      ...(lessonVersion ? ['consortium'] : []),
    ],
    precedents: precedents.length,
  };

  let status = recorded.status;
  if (status === 'PENDING_APPROVAL') {
    yield { wait: random.int(1, 3) };
    const approve = memory.firstReview() || random.chance(0.75);
    const { operator } = world;
    const reviewed = await attempt(
      operator.actor,
      jurisdiction,
      approve ? 'approve a held decision' : 'reject a held decision',
      () =>
        operator.api.reviewDecision(
          approve ? 'approve' : 'reject',
          decisionId,
          random.pick(approve ? APPROVALS : REJECTIONS),
        ),
    );
    status = reviewed.status;
    if (status === 'COMMITTED') {
      memory.remember(jurisdiction, topic.category, {
        index: reviewed.ledgerIndex!,
        leafHash: reviewed.leafHash!,
      });
    }
    yield {
      kind: 'decision-reviewed',
      actor: operator.actor,
      jurisdiction,
      decisionId,
      verdict: approve ? 'approved' : 'rejected',
      status,
      ledgerIndex: reviewed.ledgerIndex,
      approvalsNeeded: reviewed.approvalsNeeded,
      approvalsGiven: reviewed.approvals.filter((a) => a.verdict === 'APPROVAL').length,
    };
  }

  if (status !== 'COMMITTED' || !random.chance(0.75)) return;
  yield { wait: random.int(3, 8) };
  // Outcomes drift towards how good the option is, whatever the agent's confidence was.
  const success = clampUnit(random.unit(option.quality - 0.3, option.quality + 0.25));
  const report = await attempt(actor, jurisdiction, 'report an outcome', () =>
    agent.client.reportOutcome({
      decisionId,
      success,
      note: success >= 0.5 ? 'Went as planned.' : 'Fell short of what was expected.',
      evidenceDigests: [{ name: 'follow-up', digest: sha256(`${caseRef}:${success}`) }],
    }),
  );
  yield {
    kind: 'outcome-reported',
    actor,
    jurisdiction,
    decisionId,
    success,
    ledgerIndex: report.ledgerIndex,
  };
}

/** The option with the most weight in a closed poll's result (then the most votes); null with no votes. */
export function leadingOption(poll: Pick<Poll, 'result'>): { option: string; votes: number } | null {
  const tallies = [...(poll.result?.tallies ?? [])].filter((t) => t.votes > 0);
  tallies.sort((a, b) => b.weight - a.weight || b.votes - a.votes);
  const [first] = tallies;
  return first ? { option: first.option, votes: first.votes } : null;
}

/**
 * An agent asks its peers: it opens a poll on a draft for three or four other agents, they vote (each
 * vote signed), and it closes by itself when all have voted, or the opener closes it; then the opener
 * decides with the poll as advice.
 */
export async function* pollStory(
  ctx: StoryContext,
  opener: DemoAgent,
  jurisdiction: string,
  topic: Topic,
): Story {
  const { random, memory, world } = ctx;
  const voters = random.sample(
    world.agents.filter((a) => a.id !== opener.id),
    random.int(3, 4),
  );
  const quorum = Math.min(voters.length, random.int(2, 3));
  const caseRef = memory.nextCase(topic.casePrefix);
  const question = topic.question.replace('{case}', caseRef);
  const weighting = random.pick(['EQUAL', 'CONFIDENCE', 'REPUTATION'] as const);
  const opened = await attempt(opener.actor, jurisdiction, 'open a poll', () =>
    opener.client.openPoll({
      question,
      jurisdiction,
      category: topic.category,
      options: topic.options.map((o) => ({ id: o.id, description: o.description })),
      eligibleVoters: voters.map((v) => v.id),
      quorum,
      // Closed well before this by its voters or its opener; the workers close it then if not.
      closesAt: new Date(Date.now() + 10 * 60_000).toISOString(),
      weighting,
    }),
  );
  const pollId = opened.id;
  yield {
    kind: 'poll-opened',
    actor: opener.actor,
    jurisdiction,
    pollId,
    question,
    voters: voters.length,
    quorum,
    weighting,
  };

  const favourite = random.weighted(topic.options, (o) => o.appeal).id;
  const everyone = random.chance(0.5);
  const voting = everyone ? voters : voters.slice(0, -1);
  for (const voter of voting) {
    const pause = random.int(0, 1);
    if (pause > 0) yield { wait: pause };
    const option = random.chance(0.6) ? favourite : random.weighted(topic.options, (o) => o.appeal).id;
    const confidence = random.unit(0.5, 0.95);
    const rationale = `${topic.options.find((o) => o.id === option)!.description}: ${random.pick(RATIONALES)}.`;
    // Signed by the SDK with the voter's key.
    const vote = await attempt(voter.actor, jurisdiction, 'vote', () =>
      voter.client.castVote({ pollId, option, confidence, rationale }),
    );
    yield {
      kind: 'vote-cast',
      actor: voter.actor,
      jurisdiction,
      pollId,
      option,
      confidence,
      signed: vote.signatureKeyId !== null,
    };
  }

  yield { wait: 1 };
  // The last eligible vote closes a poll by itself; otherwise its opener closes it with the votes in.
  const closed = everyone
    ? await attempt(opener.actor, jurisdiction, 'read the poll', async () => {
        const read = await opener.client.poll(pollId);
        if (!read) throw new NotFoundError('NOT_FOUND', `poll ${pollId} is not there`);
        return read;
      })
    : await attempt(opener.actor, jurisdiction, 'close the poll', () => opener.client.closePoll(pollId));
  const leading = leadingOption(closed);
  yield {
    kind: 'poll-closed',
    actor: opener.actor,
    jurisdiction,
    pollId,
    by: everyone ? 'all-voted' : 'opener',
    leading: leading?.option ?? null,
    leadingVotes: leading?.votes ?? 0,
    voteCount: closed.result?.voteCount ?? closed.votesCast,
    consensus: closed.result?.consensus ?? null,
    quorumMet: closed.result?.quorumMet ?? false,
  };
  yield { wait: 1 };
  yield* decisionStory(ctx, opener, jurisdiction, topic, {
    id: pollId,
    caseRef,
    leading: leading?.option ?? null,
  });
}

/**
 * The environment goes down and comes back, again and again: the operator checks every environment
 * now (`checkEnvironmentsNow`, what the scheduler does every HEALTH_CHECK_INTERVAL_MS) while the
 * endpoint answers 503, until ECP calls it UNHEALTHY; then it recovers and the next check finds it
 * HEALTHY. It never ends, and a failed check does not end it: the endpoint must come back up.
 */
export async function* outageStory(ctx: StoryContext): Story {
  const { environment, operator } = ctx.world;
  const check = async (): Promise<DemoEvent> => {
    let runs: HealthRun[];
    try {
      runs = await operator.api.checkEnvironmentsNow();
    } catch (err) {
      return failure(operator.actor, null, 'check environments now', err).event;
    }
    const run = runs.find((r) => r.environment?.id === environment.id);
    if (!run?.environment) {
      return {
        kind: 'action-failed',
        actor: operator.actor,
        jurisdiction: null,
        what: 'check environments now',
        code: 'NOT_FOUND',
        reason: `${environment.name} is no longer registered`,
      };
    }
    return {
      kind: 'environment-checked',
      actor: operator.actor,
      environment: environment.name,
      ok: run.ok,
      statusCode: run.statusCode,
      latencyMs: run.latencyMs,
      status: run.environment.status,
      consecutiveFailures: run.environment.consecutiveFailures,
      failThreshold: run.environment.failThreshold,
      checked: runs.length,
    };
  };
  for (let round = 0; ; round++) {
    const first = await check();
    yield first;
    if (first.kind === 'action-failed' && first.code === 'NOT_FOUND') return;
    yield { wait: round === 0 ? 6 : 40 };
    environment.endpoint.setUp(false);
    yield { kind: 'endpoint-switched', actor: DEMO, environment: environment.name, up: false };
    for (let tries = 0; tries < 5; tries++) {
      yield { wait: 2 };
      const checked = await check();
      yield checked;
      if (checked.kind === 'environment-checked' && checked.status === 'UNHEALTHY') break;
    }
    yield { wait: 8 };
    environment.endpoint.setUp(true);
    yield { kind: 'endpoint-switched', actor: DEMO, environment: environment.name, up: true };
    yield { wait: 1 };
  }
}
