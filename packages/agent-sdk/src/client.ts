import { fromBase64Url, toBase64Url } from '@ecp/merkle/base64';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  type AdviceRef,
  adviceOf,
  type DecisionDraft,
  draftIdempotencyKey,
  frictionInput,
  idempotencySecret,
  recordDecisionInput,
  signVote,
  type VoteDraft,
} from './drafts';
import { CursorExpiredError, EcpError, OutOfRangeError, SigningKeyNotRegisteredError } from './errors';
import {
  AssessFrictionDocument,
  CastVoteDocument,
  type CastVoteMutation,
  ClosePollDocument,
  DecisionDocument,
  type DecisionFieldsFragment,
  type DecisionFilter,
  DecisionRecordedDocument,
  DecisionStatusChangedDocument,
  DecisionsDocument,
  type FrictionAssessmentFieldsFragment,
  MeDocument,
  type MeQuery,
  OpenPollDocument,
  type OpenPollInput,
  PollDocument,
  type PollFieldsFragment,
  PollUpdatedDocument,
  ProofBundleDocument,
  RecommendationDocument,
  type RecommendationQuery,
  RecordDecisionDocument,
  RegisterAgentKeyDocument,
  type RegisterAgentKeyMutation,
  ReportOutcomeDocument,
  type ReportOutcomeInput,
  type ReportOutcomeMutation,
  RevokeAgentKeyDocument,
} from './generated/operations';
import { LiveConnection, type LiveOptions, type LiveSubscription, type WebSocketConstructor } from './live';
import { DEFAULT_RETRY, type RetryPolicy, sleep } from './retry';
import { SigningKey, type SigningKeyInput } from './signing-key';
import { type CallOptions, type CredentialSource, HttpTransport } from './transport';
import { logVerifiers, type VerifiedInclusion, verifyBundle } from './verify';

export type Decision = DecisionFieldsFragment;
export type Poll = PollFieldsFragment;
export type FrictionAssessment = FrictionAssessmentFieldsFragment;
export type Recommendation = RecommendationQuery['recommendation'];
export type Vote = CastVoteMutation['castVote'];
export type OutcomeReport = ReportOutcomeMutation['reportOutcome'];
export type AgentKey = RegisterAgentKeyMutation['registerAgentKey'];
export type Me = NonNullable<MeQuery['me']>;

export interface EcpClientOptions {
  /** The gateway: its base URL (`https://ecp.example.com`) or its GraphQL endpoint (`…/graphql`). */
  url: string;
  /** The agent's API key (`ecp_…`). Give this or `accessToken`. */
  apiKey?: string;
  /** A function giving a bearer token for each request and each socket connection (an access token). */
  accessToken?: () => string | Promise<string>;
  /** The agent's Ed25519 private key: a Node KeyObject, PKCS #8 PEM text, or its 32-byte seed. Decisions and votes are signed with it. */
  signingKey?: SigningKeyInput;
  /**
   * What derived idempotency keys are keyed with (see `draftIdempotencyKey`): by default the signing
   * key, else the API key. With only an access-token provider and no signing key, give one that stays
   * the same across restarts, or keys are unique to this client (retries stay safe; a restart's
   * repeat of the same draft is then a new decision).
   */
  idempotencySecret?: string | Uint8Array;
  /** The log's public key(s), pinned (`GET /ledger/public-key`): what `verifyInclusion` trusts. */
  logPublicKey?: string | readonly string[];
  /** How requests are retried (see `RetryPolicy`); per call, `{ retry }` overrides it. */
  retry?: RetryPolicy;
  /** How long a lost subscription socket waits between reconnections. */
  reconnect?: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>;
  /** The fetch to use (default: the runtime's). */
  fetch?: typeof globalThis.fetch;
  /** The WebSocket class for subscriptions (default: the runtime's; in Node 20 the `ws` package, which the Node entry provides). */
  webSocketImpl?: WebSocketConstructor;
  userAgent?: string;
}

export interface RecordOptions extends CallOptions {
  /** The advice the decision took: results of `assessFriction`, polls and `recommendation`, or their ids. */
  advice?: AdviceRef | readonly AdviceRef[];
  /** Your own key; by default one is derived from the draft (`draftIdempotencyKey`). */
  idempotencyKey?: string;
  /** Record it unsigned even though the client holds a signing key. */
  unsigned?: boolean;
}

export interface RecordedDecision {
  decision: Decision;
  status: Decision['status'];
  /** True when the ledger answered with the decision first recorded under this idempotency key. */
  replayed: boolean;
  ledgerIndex: string | null;
  leafHash: string | null;
  treeSize: string | null;
}

/** The GraphQL endpoint and graphql-ws URL for a gateway URL. */
export function endpointsOf(url: string): { graphqlUrl: string; websocketUrl: string } {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  const parsed = new URL(url, base);
  if (!parsed.pathname.endsWith('/graphql'))
    parsed.pathname = `${parsed.pathname.replace(/\/$/, '')}/graphql`;
  const graphqlUrl = parsed.toString();
  parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  return { graphqlUrl, websocketUrl: parsed.toString() };
}

/**
 * A client for one agent: every call typed from the committed schema, decisions and votes signed over
 * the exact bytes ECP verifies, appends made idempotent, failures retried where that is safe, and
 * subscriptions that resume from their cursor.
 */
export class EcpClient {
  private readonly transport: HttpTransport;
  private readonly live: LiveConnection;
  private readonly signingKey: SigningKey | undefined;
  private readonly verifiers: ReturnType<typeof logVerifiers> | undefined;
  private readonly idempotencySecret: Uint8Array;
  private identity: Promise<Me> | undefined;
  private keyId: Promise<string> | undefined;

  constructor(options: EcpClientOptions) {
    const credential: CredentialSource | undefined = options.apiKey
      ? { apiKey: options.apiKey }
      : options.accessToken
        ? { accessToken: options.accessToken }
        : undefined;
    if (!credential) throw new TypeError('createEcpClient needs an apiKey or an accessToken provider.');
    const fetchImpl = options.fetch ?? globalThis.fetch?.bind(globalThis);
    if (!fetchImpl) throw new TypeError('This runtime has no fetch: pass `fetch`.');
    const { graphqlUrl, websocketUrl } = endpointsOf(options.url);
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    this.transport = new HttpTransport({
      graphqlUrl,
      credential,
      fetch: fetchImpl,
      retry,
      userAgent: options.userAgent,
    });
    this.live = new LiveConnection({
      websocketUrl,
      webSocketImpl: options.webSocketImpl,
      authorization: async () => `Bearer ${await this.transport.bearer()}`,
      reconnect: { ...DEFAULT_RETRY, baseDelayMs: 250, maxDelayMs: 5_000, ...options.reconnect },
    });
    this.signingKey = options.signingKey === undefined ? undefined : new SigningKey(options.signingKey);
    this.verifiers = options.logPublicKey === undefined ? undefined : logVerifiers(options.logPublicKey);
    this.idempotencySecret = idempotencySecret(
      options.idempotencySecret ??
        this.signingKey ??
        options.apiKey ??
        globalThis.crypto.getRandomValues(new Uint8Array(32)),
    );
  }

  /** Any operation of the API, typed by its document (e.g. one made with `graphql-tag` and codegen). */
  request<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    options: CallOptions & { idempotent?: boolean } = {},
  ): Promise<TData> {
    const isQuery = document.definitions.some(
      (d) => d.kind === 'OperationDefinition' && d.operation === 'query',
    );
    return this.transport.execute(
      document,
      variables,
      isQuery || options.idempotent ? 'idempotent' : 'unsafe',
      options,
    );
  }

  /** The agent the credential speaks for (cached after the first call). */
  me(options: CallOptions = {}): Promise<Me> {
    this.identity ??= this.transport.execute(MeDocument, {}, 'idempotent', options).then((data) => {
      if (!data.me) throw new EcpError('UNAUTHENTICATED', 'The credential speaks for no agent.');
      return data.me;
    });
    this.identity.catch(() => {
      this.identity = undefined;
    });
    return this.identity;
  }

  /** The public half of the signing key, base64 (what `registerSigningKey` registers). */
  get publicKey(): string | undefined {
    return this.signingKey?.publicKeyBase64;
  }

  /**
   * Registers the signing key's public half to the agent, once: when it is registered already, its
   * existing registration is returned.
   */
  async registerSigningKey(options: CallOptions = {}): Promise<AgentKey> {
    const key = this.requireSigningKey();
    const existing = (await this.me(options)).signingKeys.find((k) => k.publicKey === key.publicKeyBase64);
    if (existing && !existing.revokedAt) return existing;
    if (existing?.revokedAt)
      throw new SigningKeyNotRegisteredError(
        'SIGNING_KEY_REVOKED',
        `The signing key ${existing.id} was revoked; make a new one (a key once revoked stays revoked).`,
      );
    const { registerAgentKey } = await this.transport.execute(
      RegisterAgentKeyDocument,
      { publicKey: key.publicKeyBase64 },
      'unsafe',
      options,
    );
    this.identity = undefined;
    this.keyId = Promise.resolve(registerAgentKey.id);
    return registerAgentKey;
  }

  /**
   * Revokes the signing key's registration (rotating keys, or a key that may have leaked): records it
   * signed stay verifiable, and nothing more can be signed with it. Revoking twice is harmless.
   */
  async revokeSigningKey(options: CallOptions = {}): Promise<AgentKey> {
    const key = this.requireSigningKey();
    const registered = (await this.me(options)).signingKeys.find((k) => k.publicKey === key.publicKeyBase64);
    if (!registered)
      throw new SigningKeyNotRegisteredError(
        'SIGNING_KEY_NOT_REGISTERED',
        `The signing key ${key.publicKeyBase64} is not registered, so there is nothing to revoke.`,
      );
    const { revokeAgentKey } = await this.transport.execute(
      RevokeAgentKeyDocument,
      { id: registered.id },
      'idempotent',
      options,
    );
    this.identity = undefined;
    this.keyId = undefined;
    return revokeAgentKey;
  }

  /** Friction on a draft, before recording it: a score in [0, 1] and every factor. */
  async assessFriction(
    draft: DecisionDraft,
    options: CallOptions & { pollId?: string } = {},
  ): Promise<FrictionAssessment> {
    // An assessment is a read of advice that is stored; asking twice costs a row, never a ledger entry.
    const { assessFriction } = await this.transport.execute(
      AssessFrictionDocument,
      { input: frictionInput(draft, options.pollId) },
      'idempotent',
      options,
    );
    return assessFriction;
  }

  /** The learning consortium's ranking of options for a jurisdiction and category. */
  async recommendation(
    query: { jurisdiction: string; category: string; options: readonly string[]; atVersion?: string },
    options: CallOptions = {},
  ): Promise<Recommendation> {
    const { recommendation } = await this.transport.execute(
      RecommendationDocument,
      { ...query, options: [...query.options] },
      'idempotent',
      options,
    );
    return recommendation;
  }

  /**
   * Records a decision in the Transparency Ledger, signed with the client's key (unless `unsigned`),
   * under an idempotency key derived from the draft (unless one is given). Retried after network
   * failures, 5xx and RATE_LIMITED: the ledger answers a repeat with the first record, so it is never
   * appended twice.
   */
  async recordDecision(draft: DecisionDraft, options: RecordOptions = {}): Promise<RecordedDecision> {
    const advice = adviceOf(options.advice);
    const idempotencyKey =
      options.idempotencyKey ?? draftIdempotencyKey(draft, advice, this.idempotencySecret);
    const signer =
      this.signingKey && !options.unsigned
        ? {
            agentId: (await this.me(options)).id,
            keyId: await this.signingKeyId(options),
            key: this.signingKey,
          }
        : undefined;
    const { input } = recordDecisionInput(draft, advice, idempotencyKey, signer);
    const { recordDecision } = await this.transport.execute(
      RecordDecisionDocument,
      { input },
      'idempotent',
      options,
    );
    return {
      decision: recordDecision.decision,
      status: recordDecision.status,
      replayed: recordDecision.replayed,
      ledgerIndex: recordDecision.ledgerIndex,
      leafHash: recordDecision.leafHash,
      treeSize: recordDecision.treeSize,
    };
  }

  /** A decision by id (null when there is none the agent may see). */
  async decision(id: string, options: CallOptions = {}): Promise<Decision | null> {
    return (await this.transport.execute(DecisionDocument, { id }, 'idempotent', options)).decision;
  }

  /** Decisions matching `filter`, newest first, page after page (`first` per page, at most 100). */
  async *decisions(
    filter: DecisionFilter = {},
    options: CallOptions & { first?: number; after?: string } = {},
  ): AsyncGenerator<Decision> {
    let after = options.after ?? null;
    for (;;) {
      const { decisions } = await this.transport.execute(
        DecisionsDocument,
        { filter, first: options.first ?? 100, after },
        'idempotent',
        options,
      );
      for (const edge of decisions.edges) yield edge.node;
      if (!decisions.pageInfo.hasNextPage || !decisions.pageInfo.endCursor) return;
      after = decisions.pageInfo.endCursor;
    }
  }

  /** Opens a Network Opinion Poll on a draft. */
  async openPoll(input: OpenPollInput, options: CallOptions = {}): Promise<Poll> {
    return (await this.transport.execute(OpenPollDocument, { input }, 'unsafe', options)).openPoll;
  }

  async poll(id: string, options: CallOptions = {}): Promise<Poll | null> {
    return (await this.transport.execute(PollDocument, { id }, 'idempotent', options)).poll;
  }

  /**
   * Closes a poll before its time (its opener, or an operator or admin). A poll closes once, so a
   * retry whose first attempt did land is refused as CONFLICT ("already closed"), with `attempts` above 1.
   */
  async closePoll(id: string, options: CallOptions = {}): Promise<Poll> {
    return (await this.transport.execute(ClosePollDocument, { id }, 'idempotent', options)).closePoll;
  }

  /**
   * Casts a vote, signed with the client's key (unless `unsigned`). A poll takes one vote per agent,
   * so a retry cannot count twice: a retry whose first attempt did land is refused as CONFLICT
   * ("already voted"), and the error's `attempts` is then above 1.
   */
  async castVote(vote: VoteDraft, options: CallOptions & { unsigned?: boolean } = {}): Promise<Vote> {
    const signature =
      this.signingKey && !options.unsigned
        ? {
            keyId: await this.signingKeyId(options),
            value: signVote(vote, (await this.me(options)).id, this.signingKey),
          }
        : undefined;
    const { castVote } = await this.transport.execute(
      CastVoteDocument,
      {
        input: {
          pollId: vote.pollId,
          option: vote.option,
          confidence: vote.confidence,
          rationale: vote.rationale ?? '',
          signature,
        },
      },
      'idempotent',
      options,
    );
    return castVote;
  }

  /**
   * Reports how a decision turned out (appended to the ledger as `ecp.outcome-report/v1`). A decision
   * has one report, corrected by superseding it, so a retry cannot append a second.
   */
  async reportOutcome(input: ReportOutcomeInput, options: CallOptions = {}): Promise<OutcomeReport> {
    return (await this.transport.execute(ReportOutcomeDocument, { input }, 'idempotent', options))
      .reportOutcome;
  }

  /** The proof bundle of ledger entry `index` (the text `ecp verify bundle` checks). */
  async proofBundle(index: string, options: CallOptions = {}): Promise<string> {
    return (await this.transport.execute(ProofBundleDocument, { index }, 'idempotent', options)).proofBundle;
  }

  /**
   * Proves, locally, that a committed decision is in the ledger: fetches its proof bundle (waiting up to
   * `waitForCheckpointMs`, 30 s by default, for a checkpoint that covers it) and checks
   * the checkpoint's signature under the pinned log key, the inclusion path to the signed root, and
   * that the entry is this decision with its leaf hash.
   *
   * @throws VerificationError naming the check that failed.
   */
  async verifyInclusion(
    decision: Pick<Decision, 'id' | 'ledgerIndex' | 'leafHash'>,
    options: CallOptions & { waitForCheckpointMs?: number } = {},
  ): Promise<VerifiedInclusion> {
    if (!this.verifiers)
      throw new TypeError(
        'verifyInclusion needs the log public key: pass `logPublicKey` to createEcpClient.',
      );
    if (decision.ledgerIndex === null)
      throw new EcpError(
        'NOT_COMMITTED',
        `Decision ${decision.id} is not in the ledger yet (it is held or rejected).`,
      );
    const bundle = await this.bundleOnceCheckpointed(decision.ledgerIndex, options);
    return verifyBundle(bundle, this.verifiers, {
      decisionId: decision.id,
      leafHash: decision.leafHash,
      index: decision.ledgerIndex,
    });
  }

  /**
   * The proof bundle of an entry, waiting for the first checkpoint that covers it: a decision is
   * appended at once, and signed into a checkpoint moments later (every second by default).
   */
  private async bundleOnceCheckpointed(
    index: string,
    options: CallOptions & { waitForCheckpointMs?: number },
  ): Promise<string> {
    const deadline = Date.now() + (options.waitForCheckpointMs ?? 30_000);
    for (let n = 0; ; n++) {
      try {
        return await this.proofBundle(index, options);
      } catch (err) {
        if (!(err instanceof OutOfRangeError) || Date.now() >= deadline) throw err;
        await sleep(Math.min(2_000, 100 * 2 ** n), options.signal);
      }
    }
  }

  /**
   * Each decision as it is recorded, matching `filter`. On CURSOR_EXPIRED the iteration throws
   * `CursorExpiredError`, whose `refetch()` reads the decisions recorded since the last one delivered.
   */
  decisionRecorded(filter: DecisionFilter = {}, options: LiveOptions = {}): LiveSubscription<Decision> {
    const from = decodePosition(options.cursor);
    let last = from.last;
    const since = new Date(Date.now() - CLOCK_MARGIN_MS).toISOString();
    const sub = this.live.subscribe(DecisionRecordedDocument, { filter }, (d) => d.decisionRecorded, {
      ...options,
      cursor: from.cursor,
      refetch: () => this.decisionsSince(filter, last, since),
    });
    return observed(
      sub,
      (d) => {
        last = { id: d.id, ledgerIndex: d.ledgerIndex, recordedAt: d.recordedAt };
      },
      (cursor) => encodePosition(cursor, last),
    );
  }

  /** Each change of a decision's firewall status, matching `filter`. */
  decisionStatusChanged(filter: DecisionFilter = {}, options: LiveOptions = {}): LiveSubscription<Decision> {
    const seen = new Map<string, Decision>();
    const sub = this.live.subscribe(
      DecisionStatusChangedDocument,
      { filter },
      (d) => d.decisionStatusChanged,
      {
        ...options,
        // What changed while away: the current state of every decision it had seen still held.
        refetch: async () => {
          const held = [...seen.values()].filter((d) => d.status === 'PENDING_APPROVAL');
          const now = await Promise.all(held.map((d) => this.decision(d.id)));
          return now.filter((d): d is Decision => d !== null && d.status !== 'PENDING_APPROVAL');
        },
      },
    );
    return observed(sub, (d) => {
      seen.set(d.id, d);
    });
  }

  /** The poll after every vote, its close and its ledger entry. */
  pollUpdated(id: string, options: LiveOptions = {}): LiveSubscription<Poll> {
    return this.live.subscribe(PollUpdatedDocument, { id }, (d) => d.pollUpdated, {
      ...options,
      refetch: async () => {
        const poll = await this.poll(id);
        return poll ? [poll] : [];
      },
    });
  }

  /** Closes the subscription socket; requests in flight finish. */
  close(): Promise<void> {
    return this.live.close();
  }

  private requireSigningKey(): SigningKey {
    if (!this.signingKey)
      throw new TypeError('This client has no signing key: pass `signingKey` to createEcpClient.');
    return this.signingKey;
  }

  /** The registered id of the client's signing key; SigningKeyNotRegisteredError when it is not registered. */
  private signingKeyId(options: CallOptions): Promise<string> {
    const key = this.requireSigningKey();
    this.keyId ??= this.me(options).then((me) => {
      const found = me.signingKeys.find((k) => k.publicKey === key.publicKeyBase64 && !k.revokedAt);
      if (!found)
        throw new SigningKeyNotRegisteredError(
          'SIGNING_KEY_NOT_REGISTERED',
          `The signing key ${key.publicKeyBase64} is not registered to agent ${me.id}: call registerSigningKey() once.`,
        );
      return found.id;
    });
    this.keyId.catch(() => {
      this.keyId = undefined;
    });
    return this.keyId;
  }

  /** Decisions recorded after `last` (or since `since`), oldest first. */
  private async decisionsSince(
    filter: DecisionFilter,
    last: LastDecision | undefined,
    since: string,
  ): Promise<Decision[]> {
    const missed: Decision[] = [];
    // Appends are ordered by index, not by clock: read from a little before, then cut by index.
    const after = last ? new Date(Date.parse(last.recordedAt) - CLOCK_MARGIN_MS).toISOString() : since;
    const lastIndex = last?.ledgerIndex == null ? null : BigInt(last.ledgerIndex);
    for await (const d of this.decisions({ ...filter, recordedAfter: after })) {
      if (d.id === last?.id) continue;
      if (lastIndex !== null && d.ledgerIndex !== null && BigInt(d.ledgerIndex) <= lastIndex) continue;
      missed.push(d);
    }
    return missed.reverse();
  }
}

/** How far a refetch reads before the last decision's time, for appends whose clocks disagree a little. */
const CLOCK_MARGIN_MS = 2_000;

/** The last decision a subscription delivered, as its position keeps it. */
interface LastDecision {
  id: string;
  ledgerIndex: string | null;
  recordedAt: string;
}

const POSITION_PREFIX = 'ecpd1.';

/**
 * A decision subscription's position: the gateway's cursor and the last decision delivered, in one
 * opaque string, so a subscription resumed in another process can still say what it missed when the
 * cursor has expired. A bare gateway cursor is accepted too.
 */
function encodePosition(cursor: string | undefined, last: LastDecision | undefined): string | undefined {
  if (cursor === undefined || last === undefined) return cursor;
  const json = JSON.stringify({ c: cursor, d: last });
  return `${POSITION_PREFIX}${toBase64Url(new TextEncoder().encode(json))}`;
}

function decodePosition(position: string | undefined): {
  cursor: string | undefined;
  last: LastDecision | undefined;
} {
  if (!position?.startsWith(POSITION_PREFIX)) return { cursor: position, last: undefined };
  try {
    const json = new TextDecoder().decode(fromBase64Url(position.slice(POSITION_PREFIX.length)));
    const parsed = JSON.parse(json) as { c: string; d: LastDecision };
    return { cursor: parsed.c, last: parsed.d };
  } catch {
    throw new TypeError('The cursor is not one a decision subscription gave.');
  }
}

/**
 * The same subscription, calling `seen` with each item as it is delivered; with `cursorOf`, its cursor
 * (and a CursorExpiredError's) is what `cursorOf` makes of the gateway's.
 */
function observed<T>(
  sub: LiveSubscription<T>,
  seen: (item: T) => void,
  cursorOf: (gatewayCursor: string | undefined) => string | undefined = (c) => c,
): LiveSubscription<T> {
  const wrapped: LiveSubscription<T> = {
    get cursor() {
      return cursorOf(sub.cursor);
    },
    close: () => sub.close(),
    next: async () => {
      const before = cursorOf(sub.cursor);
      try {
        const r = await sub.next();
        if (!r.done) seen(r.value);
        return r;
      } catch (err) {
        if (err instanceof CursorExpiredError) err.cursor = before;
        throw err;
      }
    },
    return: () => sub.return?.() ?? Promise.resolve({ value: undefined, done: true }),
    [Symbol.asyncIterator]() {
      return wrapped;
    },
  };
  return wrapped;
}

/** A client for one agent (see `EcpClientOptions`). */
export function createEcpClient(options: EcpClientOptions): EcpClient {
  return new EcpClient(options);
}
