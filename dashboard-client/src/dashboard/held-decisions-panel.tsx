import { type FormEvent, useEffect, useId, useState } from 'react';
import { graphql } from '../shared/api';
import { errorText } from '../shared/error-text';
import { subscribeResumable } from '../shared/live-subscription';
import { useSocket } from '../shared/socket';
import { formatRelative, formatScore } from './format';
import { Empty, Panel, QueryContent, RoleNotice } from './panel';
import { useClock } from './use-clock';
import { useQuery } from './use-query';
import { holdsAny, REVIEWERS, useViewer } from './viewer';

const HELD_FIELDS = `id status jurisdiction category chosenOption rationale confidence recordedAt expiresAt
  approvalsNeeded holdReasonDetails { code message } approvals { verdict reviewerId } agent { id name }`;

interface HeldDecision {
  id: string;
  status: 'PENDING_APPROVAL' | 'COMMITTED' | 'REJECTED';
  jurisdiction: string;
  category: string;
  chosenOption: string;
  rationale: string;
  confidence: number;
  recordedAt: string;
  expiresAt: string | null;
  approvalsNeeded: number | null;
  holdReasonDetails: { code: string; message: string }[];
  approvals: { verdict: string; reviewerId: string }[];
  agent: { id: string; name: string };
}

interface Pending {
  pendingDecisions: { edges: { node: HeldDecision }[] };
}

const PENDING_QUERY = `query HeldDecisions { pendingDecisions(first: 50) { edges { node { ${HELD_FIELDS} } } } }`;

/** `decisions` with `decision` as it is now: kept while still held, dropped once it committed or was rejected. */
function withDecision(data: Pending, decision: HeldDecision): Pending {
  const others = data.pendingDecisions.edges.filter((e) => e.node.id !== decision.id);
  if (decision.status !== 'PENDING_APPROVAL') return { pendingDecisions: { edges: others } };
  const at = data.pendingDecisions.edges.findIndex((e) => e.node.id === decision.id);
  const edges = [...others];
  edges.splice(at < 0 ? edges.length : at, 0, { node: decision });
  return { pendingDecisions: { edges } };
}

/** Decisions the Liability Firewall holds, oldest first; operators and admins approve or reject them here. */
export function HeldDecisionsPanel() {
  useClock();
  const { client } = useSocket();
  const viewer = useViewer();
  const { state, setData, refetch } = useQuery<Pending>(PENDING_QUERY, {});

  useEffect(() => {
    const live = subscribeResumable<{ decisionStatusChanged: HeldDecision }>(
      client,
      { query: `subscription { decisionStatusChanged { ${HELD_FIELDS} } }` },
      {
        next: ({ decisionStatusChanged: d }) => setData((data) => withDecision(data, d)),
        expired: refetch,
        error: () => {},
      },
    );
    return () => live.dispose();
  }, [client, setData, refetch]);

  const mayReview = holdsAny(viewer, REVIEWERS);
  return (
    <Panel title="Held for approval" testId="held-decisions">
      {!mayReview ? <RoleNotice roles={REVIEWERS} what="Approving or rejecting a held decision" /> : null}
      <QueryContent state={state} what="Held decisions" retry={refetch}>
        {({ pendingDecisions }) =>
          pendingDecisions.edges.length === 0 ? (
            <Empty>No decision is waiting for approval.</Empty>
          ) : (
            <ul className="cards">
              {pendingDecisions.edges.map(({ node }) => (
                <HeldDecisionCard
                  key={node.id}
                  decision={node}
                  mayReview={mayReview}
                  onReviewed={(d) => setData((data) => withDecision(data, d))}
                />
              ))}
            </ul>
          )
        }
      </QueryContent>
    </Panel>
  );
}

function HeldDecisionCard({
  decision,
  mayReview,
  onReviewed,
}: {
  decision: HeldDecision;
  mayReview: boolean;
  onReviewed: (decision: HeldDecision) => void;
}) {
  const id = useId();
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const approvals = decision.approvals.filter((a) => a.verdict === 'APPROVAL').length;

  async function review(verb: 'approveDecision' | 'rejectDecision') {
    if (!reason.trim()) {
      setProblem(
        verb === 'approveDecision'
          ? 'Write why it may bind: a reason is required.'
          : 'Write why not: a reason is required.',
      );
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      const data = await graphql<Record<string, HeldDecision>>(
        `mutation Review($id: ID!, $reason: String!) { ${verb}(id: $id, reason: $reason) { ${HELD_FIELDS} } }`,
        { id: decision.id, reason: reason.trim() },
      );
      setReason('');
      onReviewed(data[verb]!);
    } catch (err) {
      setProblem(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const verb = (event.nativeEvent as SubmitEvent).submitter?.dataset.verb;
    void review(verb === 'reject' ? 'rejectDecision' : 'approveDecision');
  }

  return (
    <li className="card" data-testid="held-decision" data-decision-id={decision.id}>
      <p className="card-title">
        <strong>{decision.agent.name}</strong> would choose <code>{decision.chosenOption}</code>
      </p>
      <p className="card-meta">
        <span className="chip">{decision.jurisdiction}</span>
        <span className="chip">{decision.category}</span>
        <span>confidence {formatScore(decision.confidence)}</span>
        <span>
          proposed <time dateTime={decision.recordedAt}>{formatRelative(decision.recordedAt)}</time>
        </span>
        {decision.expiresAt ? (
          <span>
            expires <time dateTime={decision.expiresAt}>{formatRelative(decision.expiresAt)}</time>
          </span>
        ) : null}
        {decision.approvalsNeeded ? (
          <span>
            {approvals} of {decision.approvalsNeeded} approvals
          </span>
        ) : null}
      </p>
      <p className="stream-row-rationale">{decision.rationale}</p>
      <ul className="hold-reasons" aria-label="Why it is held">
        {decision.holdReasonDetails.map((r) => (
          <li key={r.code}>
            <code>{r.code}</code> {r.message}
          </li>
        ))}
      </ul>
      {mayReview ? (
        <form className="review" onSubmit={submit} noValidate>
          <label htmlFor={`${id}-reason`}>Reason</label>
          <textarea
            id={`${id}-reason`}
            rows={2}
            maxLength={2000}
            required
            value={reason}
            aria-invalid={problem !== null && !reason.trim()}
            aria-describedby={problem ? `${id}-problem` : undefined}
            onChange={(e) => setReason(e.target.value)}
          />
          {problem ? (
            <p id={`${id}-problem`} className="form-error" role="alert">
              {problem}
            </p>
          ) : null}
          <div className="review-buttons">
            <button type="submit" data-verb="approve" disabled={busy}>
              Approve
            </button>
            <button type="submit" data-verb="reject" className="danger" disabled={busy}>
              Reject
            </button>
          </div>
        </form>
      ) : null}
    </li>
  );
}
