import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { graphql } from '../shared/api';
import { errorText } from '../shared/error-text';
import { subscribeResumable } from '../shared/live-subscription';
import { useSocket } from '../shared/socket';
import { formatWhen } from './format';
import { Panel, QueryContent } from './panel';
import { checkProofBundle, type ProofCheck } from './proof-check';
import { useQuery } from './use-query';

const CHECKPOINT_FIELDS = 'origin treeSize rootHash publishedAt';

interface Checkpoint {
  origin: string;
  treeSize: string;
  rootHash: string;
  publishedAt: string;
}

/** The log's verifier keys, as the gateway serves them to anyone (`GET /ledger/public-key`). */
async function fetchPublicKeys(): Promise<string> {
  let res: Response;
  try {
    res = await fetch('/ledger/public-key', { headers: { accept: 'text/plain' } });
  } catch {
    throw new Error('The gateway cannot be reached for the log’s public key.');
  }
  if (!res.ok) throw new Error(`GET /ledger/public-key answered ${res.status}.`);
  return res.text();
}

type Verdict =
  | { kind: 'idle' }
  | { kind: 'working'; what: string }
  | { kind: 'failed-to-fetch'; message: string }
  | { kind: 'checked'; check: ProofCheck };

/** A request from elsewhere on the page to check one entry (the stream's "Check proof"). */
export interface ProofRequest {
  index: string;
  /** Changes with each request, so asking twice for one entry checks it twice. */
  serial: number;
}

/**
 * The latest signed checkpoint (live by `checkpointPublished`) and proofs checked in this browser:
 * pick an entry and the page fetches its proof bundle and the log's public key and verifies them with
 * `@ecp/merkle`; or paste a bundle (from `ecp ledger bundle` or the `proofBundle` query) and check it.
 */
export function CheckpointPanel({ request }: { request: ProofRequest | null }) {
  const id = useId();
  const { client } = useSocket();
  const latest = useQuery<{ checkpoint: Checkpoint | null }>(`{ checkpoint { ${CHECKPOINT_FIELDS} } }`, {});
  const { setData, refetch } = latest;
  const [index, setIndex] = useState('');
  const [bundle, setBundle] = useState('');
  const [verdict, setVerdict] = useState<Verdict>({ kind: 'idle' });
  const keys = useRef<Promise<string> | null>(null);
  const section = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const live = subscribeResumable<{ checkpointPublished: Checkpoint }>(
      client,
      { query: `subscription { checkpointPublished { ${CHECKPOINT_FIELDS} } }` },
      {
        next: ({ checkpointPublished }) => setData({ checkpoint: checkpointPublished }),
        expired: refetch,
        error: () => {},
      },
    );
    return () => live.dispose();
  }, [client, setData, refetch]);

  const publicKeys = useCallback(() => {
    keys.current ??= fetchPublicKeys().catch((err: unknown) => {
      keys.current = null;
      throw err;
    });
    return keys.current;
  }, []);

  const verifyText = useCallback(
    async (text: string, expectedIndex?: bigint) => {
      setVerdict({ kind: 'working', what: 'Checking the bundle…' });
      try {
        const check = checkProofBundle(text, await publicKeys(), expectedIndex);
        setVerdict({ kind: 'checked', check });
      } catch (err) {
        setVerdict({ kind: 'failed-to-fetch', message: err instanceof Error ? err.message : String(err) });
      }
    },
    [publicKeys],
  );

  const verifyEntry = useCallback(
    async (entryIndex: string) => {
      if (!/^(0|[1-9][0-9]*)$/.test(entryIndex)) {
        setVerdict({ kind: 'failed-to-fetch', message: 'A ledger index is a whole number, 0 or more.' });
        return;
      }
      setVerdict({ kind: 'working', what: `Fetching the proof bundle of entry ${entryIndex}…` });
      let text: string;
      try {
        text = (
          await graphql<{ proofBundle: string }>('query ($i: String!) { proofBundle(index: $i) }', {
            i: entryIndex,
          })
        ).proofBundle;
      } catch (err) {
        setVerdict({ kind: 'failed-to-fetch', message: errorText(err) });
        return;
      }
      setBundle(text);
      await verifyText(text, BigInt(entryIndex));
    },
    [verifyText],
  );

  useEffect(() => {
    if (!request) return;
    setIndex(request.index);
    section.current?.scrollIntoView({ block: 'start' });
    void verifyEntry(request.index);
  }, [request, verifyEntry]);

  function submitIndex(event: FormEvent) {
    event.preventDefault();
    void verifyEntry(index.trim());
  }
  function submitBundle(event: FormEvent) {
    event.preventDefault();
    if (!bundle.trim()) {
      setVerdict({ kind: 'failed-to-fetch', message: 'Paste a proof bundle first.' });
      return;
    }
    void verifyText(bundle);
  }

  return (
    <Panel title="Checkpoints and proofs" span="all" testId="checkpoint">
      <div ref={section} className="checkpoint-grid">
        <div>
          <h3>Latest signed checkpoint</h3>
          <QueryContent state={latest.state} what="Checkpoints" retry={latest.refetch}>
            {({ checkpoint }) =>
              checkpoint ? (
                <dl className="facts" data-testid="latest-checkpoint">
                  <dt>Log</dt>
                  <dd>{checkpoint.origin}</dd>
                  <dt>Tree size</dt>
                  <dd>{checkpoint.treeSize} entries</dd>
                  <dt>Root hash</dt>
                  <dd>
                    <code className="hash">{checkpoint.rootHash}</code>
                  </dd>
                  <dt>Signed</dt>
                  <dd>
                    <time dateTime={checkpoint.publishedAt}>{formatWhen(checkpoint.publishedAt)}</time>
                  </dd>
                </dl>
              ) : (
                <p className="empty">No checkpoint is signed yet: the ledger is empty.</p>
              )
            }
          </QueryContent>
          <form className="inline-form" onSubmit={submitIndex}>
            <label htmlFor={`${id}-index`}>Ledger index</label>
            <div className="inline-row">
              <input
                id={`${id}-index`}
                inputMode="numeric"
                pattern="[0-9]*"
                autoComplete="off"
                value={index}
                onChange={(e) => setIndex(e.target.value)}
              />
              <button type="submit">Fetch and verify</button>
            </div>
            <p className="help">
              Fetches the entry’s proof bundle and the log’s public key, then checks both here, in your
              browser.
            </p>
          </form>
        </div>
        <form onSubmit={submitBundle} className="bundle-form">
          <label htmlFor={`${id}-bundle`}>Proof bundle</label>
          <textarea
            id={`${id}-bundle`}
            className="bundle-text"
            rows={9}
            wrap="off"
            spellCheck={false}
            value={bundle}
            onChange={(e) => setBundle(e.target.value)}
            aria-describedby={`${id}-bundle-help`}
          />
          <p id={`${id}-bundle-help`} className="help">
            Paste a bundle from <code>ecp ledger bundle</code> or the <code>proofBundle</code> query, or edit
            the fetched one.
          </p>
          <button type="submit" className="secondary">
            Verify this bundle
          </button>
        </form>
      </div>
      <div className="verdict" role="status" aria-live="polite" data-testid="proof-verdict">
        <VerdictView verdict={verdict} />
      </div>
    </Panel>
  );
}

function VerdictView({ verdict }: { verdict: Verdict }) {
  if (verdict.kind === 'idle') return null;
  if (verdict.kind === 'working') return <p className="muted">{verdict.what}</p>;
  if (verdict.kind === 'failed-to-fetch') return <p className="notice notice-error">{verdict.message}</p>;
  const { check } = verdict;
  return (
    <>
      <p className={check.verified ? 'verdict-ok' : 'verdict-bad'} data-testid="proof-result">
        {check.verified
          ? `Verified: entry ${check.index} is in the log of ${check.treeSize} entries, under a checkpoint signed with the log’s key.`
          : `Not verified. ${check.failure}`}
      </p>
      <ol className="steps">
        {check.steps.map((step) => (
          <li key={step.name} className={`step step-${step.outcome}`} data-testid="proof-step">
            <span className="step-mark" aria-hidden="true">
              {step.outcome === 'passed' ? '✓' : step.outcome === 'failed' ? '✗' : '–'}
            </span>
            <span>
              <strong>{step.name}</strong>:{' '}
              {step.outcome === 'passed' ? 'passed' : step.outcome === 'failed' ? 'failed' : 'not checked'}
              {step.outcome !== 'skipped' ? <span className="step-detail"> — {step.detail}</span> : null}
            </span>
          </li>
        ))}
      </ol>
    </>
  );
}
