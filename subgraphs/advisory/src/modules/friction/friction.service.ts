import { isUuid, newId } from '@ecp/db/ids';
import { BadUserInputError, ForbiddenError, NotFoundError, UnknownPrecedentError } from '@ecp/errors/errors';
import { hasRole, type Principal } from '@ecp/identity/principal';
import type { Logger } from '@ecp/logging/logger';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AdvisoryMetrics } from '../../advisory-metrics';
import type { ConsortiumEvidence } from '../../learning/consortium-evidence';
import type { LearningCalibration } from '../../learning/learning-operations';
import type { LedgerEvidence } from '../../ledger/ledger-evidence';
import { LEDGER_ENTRY } from '../../ledger/ledger-operations';
import {
  categoryProblems,
  jurisdictionProblems,
  optionProblems,
  type Problem,
  sameOptions,
  unitIntervalProblems,
} from '../drafts';
import { type Poll, PollEntity } from '../polls/poll.entity';
import { weightsByOption } from '../polls/poll-result';
import { VoteEntity } from '../votes/vote.entity';
import type { WeightSetService } from '../weights/weight-set.service';
import { type FrictionDraft, type FrictionEvidence, type FrictionScore, scoreFriction } from './friction';
import { FrictionAssessmentEntity, type FrictionAssessmentRow } from './friction-assessment.entity';

export interface FrictionInput {
  jurisdiction: string;
  category: string;
  options: { id: string; description?: string | null }[];
  chosenOption: string;
  confidence: number;
  irreversibility?: number | null;
  impactScope?: number | null;
  precedents?: { index: string; leafHash: string }[] | null;
  pollId?: string | null;
}

interface Deps {
  em: EntityManager;
  principal: Principal;
  logger: Logger;
  requestId: string;
  services: ServiceDirectory;
  weights: WeightSetService;
  metrics: AdvisoryMetrics;
  evidence: LedgerEvidence;
  consortium: ConsortiumEvidence;
}

const LEDGER_INDEX = /^(0|[1-9][0-9]{0,18})$/;
const LEAF_HASH = /^[0-9a-f]{64}$/;

/**
 * The Friction Calculator: scores an agent's draft decision with every factor shown, pinning the
 * evidence it used (precedents, the poll) and the weight set's version, and stores the assessment so
 * the decision can cite it.
 */
export class FrictionService {
  constructor(private readonly deps: Deps) {}

  async assess(input: FrictionInput): Promise<FrictionAssessmentRow> {
    const { em } = this.deps;
    const principal = decidingAgent(this.deps.principal);
    if (!principal) throw new ForbiddenError('Assessing friction needs the AGENT role.');
    const optionIds = input.options.map((o) => o.id);
    const problems: Problem[] = [
      ...jurisdictionProblems(input.jurisdiction, principal),
      ...categoryProblems(input.category),
      ...optionProblems(optionIds, 1),
      ...unitIntervalProblems(input.confidence, 'input.confidence'),
      ...unitIntervalProblems(input.irreversibility, 'input.irreversibility'),
      ...unitIntervalProblems(input.impactScope, 'input.impactScope'),
    ];
    if (!optionIds.includes(input.chosenOption)) {
      problems.push({
        path: 'input.chosenOption',
        reason: `must be one of the option ids (${optionIds.join(', ')})`,
      });
    }
    const precedents = input.precedents ?? [];
    if (precedents.length > 64) problems.push({ path: 'input.precedents', reason: 'at most 64 precedents' });
    precedents.forEach((p, i) => {
      if (!LEDGER_INDEX.test(p.index))
        problems.push({ path: `input.precedents.${i}.index`, reason: 'must be a decimal ledger index' });
      if (!LEAF_HASH.test(p.leafHash))
        problems.push({ path: `input.precedents.${i}.leafHash`, reason: 'must be 64 lowercase hex digits' });
    });
    if (input.pollId && !isUuid(input.pollId))
      problems.push({ path: 'input.pollId', reason: 'must be a poll id' });
    if (problems.length > 0) {
      throw new BadUserInputError(
        `Invalid draft: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
    const draft: FrictionDraft = {
      jurisdiction: input.jurisdiction,
      category: input.category,
      optionIds,
      chosenOption: input.chosenOption,
      confidence: input.confidence,
      ...(input.irreversibility != null ? { irreversibility: input.irreversibility } : {}),
      ...(input.impactScope != null ? { impactScope: input.impactScope } : {}),
    };
    const [precedent, poll, weights, calibrations, jurisdictionRisk] = await Promise.all([
      precedents.length > 0 ? this.citedChoices(precedents) : this.historyChoices(draft),
      input.pollId ? this.pollEvidence(input.pollId, draft, principal.id) : null,
      this.deps.weights.effectiveFor(input.jurisdiction),
      this.deps.consortium.calibrations([principal.id], this.callOptions()),
      this.deps.consortium.riskWeight(input.jurisdiction, this.callOptions()),
    ]);
    const evidence: FrictionEvidence = {
      precedent,
      poll,
      trackRecord: trackRecordOf(calibrations?.get(principal.id)),
      jurisdictionRisk,
    };
    const scored: FrictionScore = scoreFriction(draft, evidence, weights);
    const row = em.create(FrictionAssessmentEntity, {
      id: newId(),
      agentId: principal.id,
      jurisdiction: draft.jurisdiction,
      category: draft.category,
      optionIds,
      chosenOption: draft.chosenOption,
      pollId: input.pollId ?? null,
      draft,
      evidence,
      score: scored.score,
      weightsJurisdiction: weights.jurisdiction,
      weightsVersion: weights.version,
      factors: scored.factors,
      createdAt: new Date(),
    });
    await em.flush();
    this.deps.metrics.frictionAssessments.inc();
    this.deps.metrics.frictionScore.observe(scored.score);
    return row;
  }

  private callOptions() {
    const { principal, requestId, logger } = this.deps;
    return { actingFor: principal, requestId, logger };
  }

  /** The choices of the cited precedents, each checked to be a decision with the cited leaf hash. */
  private async citedChoices(
    precedents: { index: string; leafHash: string }[],
  ): Promise<FrictionEvidence['precedent']> {
    const ledger = this.deps.services.client('ledger');
    const entries = await Promise.all(
      precedents.map((p) => ledger.request(LEDGER_ENTRY, { index: p.index }, this.callOptions())),
    );
    const counts: Record<string, number> = {};
    const problems: Problem[] = [];
    entries.forEach(({ ledgerEntry }, i) => {
      const cited = precedents[i]!;
      if (!ledgerEntry) {
        problems.push({ path: `input.precedents.${i}`, reason: `no ledger entry has index ${cited.index}` });
      } else if (ledgerEntry.leafHash !== cited.leafHash) {
        problems.push({
          path: `input.precedents.${i}.leafHash`,
          reason: `entry ${cited.index} has leaf hash ${ledgerEntry.leafHash}`,
        });
      } else if (!ledgerEntry.kind.startsWith('ecp.decision/')) {
        problems.push({
          path: `input.precedents.${i}`,
          reason: `entry ${cited.index} is not a decision (${ledgerEntry.kind})`,
        });
      } else if (ledgerEntry.chosenOption) {
        // The chosen option, which the ledger shows whoever recorded the decision (its context it hides).
        const chosen = ledgerEntry.chosenOption;
        counts[chosen] = (counts[chosen] ?? 0) + 1;
      }
    });
    if (problems.length > 0) {
      throw new UnknownPrecedentError(
        `Unknown precedent: ${problems.map((p) => p.reason).join('; ')}.`,
        problems,
      );
    }
    return { source: 'CITED', counts };
  }

  /** The jurisdiction's and category's earlier choices among the options, up to the latest checkpoint. */
  private async historyChoices(draft: FrictionDraft): Promise<FrictionEvidence['precedent']> {
    const { beforeIndex, counts } = await this.deps.evidence.historyChoices(
      draft.jurisdiction,
      draft.category,
      draft.optionIds,
      this.callOptions(),
    );
    return { source: 'HISTORY', beforeIndex, counts };
  }

  /** The poll on this draft: it must be the agent's own, in the same jurisdiction, over the same options. */
  private async pollEvidence(
    pollId: string,
    draft: FrictionDraft,
    agentId: string,
  ): Promise<FrictionEvidence['poll']> {
    const poll = await this.deps.em.findOne(PollEntity, { id: pollId });
    const problem = pollMismatch(poll, agentId, draft);
    if (problem)
      throw new BadUserInputError(`The poll does not fit this draft: ${problem}.`, [
        { path: 'input.pollId', reason: problem },
      ]);
    const votes = await this.deps.em.find(VoteEntity, { pollId });
    return {
      pollId,
      status: poll!.status,
      votes: votes.length,
      weights: weightsByOption(poll!.weighting, votes),
    };
  }

  async get(id: string): Promise<FrictionAssessmentRow> {
    if (!isUuid(id))
      throw new BadUserInputError(`"${id}" is not an assessment id.`, [
        { path: 'id', reason: 'must be a UUID' },
      ]);
    const row = await this.deps.em.findOne(FrictionAssessmentEntity, { id });
    if (!row) throw new NotFoundError(`No friction assessment has id ${id}.`);
    if (!this.mayRead(row)) {
      throw new ForbiddenError(
        'A friction assessment is visible to the agent that asked for it, to people and to ECP’s services.',
      );
    }
    return row;
  }

  async findForReference(id: string): Promise<FrictionAssessmentRow | null> {
    if (!isUuid(id)) return null;
    const row = await this.deps.em.findOne(FrictionAssessmentEntity, { id });
    return row && this.mayRead(row) ? row : null;
  }

  mayRead(row: FrictionAssessmentRow): boolean {
    const { principal } = this.deps;
    return (
      principal.kind === 'service' ||
      row.agentId === principal.id ||
      hasRole(principal, 'ANALYST', 'OPERATOR', 'ADMIN')
    );
  }
}

/** The track-record factor's evidence: the risk of an agent's calibration; none without reports. */
function trackRecordOf(calibration: LearningCalibration | undefined): FrictionEvidence['trackRecord'] {
  if (!calibration || calibration.reports === 0) return null;
  return {
    value: 1 - calibration.weight,
    reports: calibration.reports,
    brierScore: calibration.brierScore,
    weight: calibration.weight,
  };
}

/**
 * The agent a friction assessment is for: the calling agent, or the agent the ledger acts for when its
 * Liability Firewall assesses a draft that cites no assessment (the ledger service, acting for an
 * actor with the AGENT role). Null for anyone else.
 */
export function decidingAgent(principal: Principal): Principal | null {
  if (principal.kind === 'agent') return hasRole(principal, 'AGENT') ? principal : null;
  const actor = principal.actor;
  if (principal.id !== 'service:ledger' || !actor?.roles.includes('AGENT')) return null;
  return {
    kind: 'agent',
    id: actor.id,
    name: actor.name,
    roles: actor.roles,
    jurisdictions: actor.jurisdictions,
  };
}

/** Why a poll is not advice on this agent's draft; null when it is. */
export function pollMismatch(
  poll: Pick<Poll, 'openedBy' | 'jurisdiction' | 'options' | 'category'> | null,
  agentId: string,
  draft: { jurisdiction: string; category: string; optionIds: readonly string[] },
): string | null {
  if (!poll) return 'no poll has this id';
  if (poll.openedBy !== agentId) return 'the poll was opened by another agent';
  if (poll.jurisdiction !== draft.jurisdiction)
    return `the poll is in ${poll.jurisdiction}, the draft in ${draft.jurisdiction}`;
  if (poll.category && poll.category !== draft.category)
    return `the poll is about ${poll.category}, the draft about ${draft.category}`;
  if (
    !sameOptions(
      poll.options.map((o) => o.id),
      draft.optionIds,
    )
  )
    return 'the poll’s options are not the draft’s';
  return null;
}
