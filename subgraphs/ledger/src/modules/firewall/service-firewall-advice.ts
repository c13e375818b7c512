import { RemoteError } from '@ecp/service-kit/service-call-errors';
import type { ServiceDirectory } from '@ecp/service-kit/service-directory';
import { defineOperation } from '@ecp/service-kit/service-operation';
import type { FirewallAdvice, FirewallCall, JurisdictionPolicy } from './firewall-advice';

const JURISDICTION_POLICY = defineOperation<{ jurisdictionPolicy: JurisdictionPolicy }, { code: string }>(`
  query LedgerFirewallPolicy($code: String!) {
    jurisdictionPolicy(code: $code) {
      code version frictionThreshold divergenceThreshold categoriesRequiringApproval
      approvalRules { category approvers }
    }
  }
`);

const ASSESS_FRICTION = defineOperation<
  { assessFriction: { id: string; score: number } },
  {
    input: {
      jurisdiction: string;
      category: string;
      options: { id: string; description: string }[];
      chosenOption: string;
      confidence: number;
      precedents?: { index: string; leafHash: string }[];
      pollId?: string;
    };
  }
>(`
  mutation LedgerFirewallFriction($input: FrictionInput!) {
    assessFriction(input: $input) { id score }
  }
`);

const FRICTION_SCORE = defineOperation<{ frictionAssessment: { score: number } | null }, { id: string }>(`
  query LedgerFirewallFrictionScore($id: ID!) {
    frictionAssessment(id: $id) { score }
  }
`);

const RECOMMENDATION_AT = defineOperation<
  { recommendation: { options: { option: string }[] } },
  { jurisdiction: string; category: string; options: string[]; atVersion: string }
>(`
  query LedgerFirewallLesson($jurisdiction: String!, $category: String!, $options: [String!]!, $atVersion: String) {
    recommendation(jurisdiction: $jurisdiction, category: $category, options: $options, atVersion: $atVersion) {
      options { option }
    }
  }
`);

const POLL_DIVERGENCE = defineOperation<
  { poll: { divergenceOf: number | null } | null },
  { id: string; option: string }
>(`
  query LedgerFirewallDivergence($id: ID!, $option: String!) {
    poll(id: $id) { divergenceOf(option: $option) }
  }
`);

/**
 * The firewall's advice from the platform: the policy from the learning consortium, friction and
 * divergence from advisory, each asked acting for the deciding agent.
 *
 * Policies are cached per jurisdiction for `policyTtlMs` (a few seconds). Every decision needs its
 * jurisdiction's policy, which changes rarely (an operator redefines a jurisdiction), so asking once
 * per decision would add a round trip to every `recordDecision` for an answer that is almost always
 * the same; a short TTL bounds how long a tightened threshold takes to apply everywhere (at most the
 * TTL) without keeping any invalidation channel. Only answers are cached, never failures: a
 * consortium that does not answer is asked again by the next decision, which is held meanwhile.
 */
export function serviceFirewallAdvice(
  services: ServiceDirectory,
  options: { policyTtlMs: number; now?: () => number },
): FirewallAdvice {
  const now = options.now ?? Date.now;
  const policies = new Map<string, { policy: JurisdictionPolicy; until: number }>();
  const callOptions = (call: FirewallCall) => ({
    actingFor: call.principal,
    requestId: call.requestId,
    logger: call.logger,
  });
  return {
    async policy(code, call) {
      const cached = policies.get(code);
      if (cached && cached.until > now()) return cached.policy;
      const { jurisdictionPolicy } = await services
        .client('learning-consortium')
        .request(JURISDICTION_POLICY, { code }, callOptions(call));
      // Bounded: one entry per jurisdiction code seen, and stale ones are dropped as the map grows.
      if (policies.size > 10_000) policies.clear();
      policies.set(code, { policy: jurisdictionPolicy, until: now() + options.policyTtlMs });
      return jurisdictionPolicy;
    },
    async assessFriction(body, call) {
      const { assessFriction } = await services.client('advisory').request(
        ASSESS_FRICTION,
        {
          input: {
            jurisdiction: body.jurisdiction,
            category: body.category,
            options: body.options,
            chosenOption: body.chosenOption,
            confidence: body.confidence,
            ...(body.precedents.length > 0 ? { precedents: body.precedents } : {}),
            ...(body.advice.pollId ? { pollId: body.advice.pollId } : {}),
          },
        },
        callOptions(call),
      );
      return { assessmentId: assessFriction.id, score: assessFriction.score };
    },
    async frictionScore(id, call) {
      const { frictionAssessment } = await services
        .client('advisory')
        .request(FRICTION_SCORE, { id }, callOptions(call));
      if (!frictionAssessment) throw new Error(`advisory has no friction assessment ${id}`);
      return frictionAssessment.score;
    },
    async bestOption(body, lessonVersion, call) {
      try {
        const { recommendation } = await services.client('learning-consortium').request(
          RECOMMENDATION_AT,
          {
            jurisdiction: body.jurisdiction,
            category: body.category,
            options: body.options.map((o) => o.id),
            atVersion: lessonVersion,
          },
          callOptions(call),
        );
        return recommendation.options[0]?.option ?? '';
      } catch (err) {
        if (err instanceof RemoteError && err.code === 'NOT_FOUND') return undefined;
        throw err;
      }
    },
    async divergence(id, option, call) {
      const { poll } = await services
        .client('advisory')
        .request(POLL_DIVERGENCE, { id, option }, callOptions(call));
      if (!poll) throw new Error(`advisory has no poll ${id}`);
      return poll.divergenceOf;
    },
  };
}
