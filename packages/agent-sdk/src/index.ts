/**
 * `@ecp/agent-sdk`: the TypeScript client for ECP agents. The core runs wherever `fetch` and a
 * WebSocket exist (browsers, Node 22, Deno, Bun); in Node 20 the package's Node entry supplies `ws`.
 */
export {
  type AgentKey,
  createEcpClient,
  type Decision,
  EcpClient,
  type EcpClientOptions,
  endpointsOf,
  type FrictionAssessment,
  type Me,
  type OutcomeReport,
  type Poll,
  type Recommendation,
  type RecordedDecision,
  type RecordOptions,
  type Vote,
} from './client';
export {
  type AdviceRef,
  adviceOf,
  DERIVED_KEY_PREFIX,
  type DecisionDraft,
  draftIdempotencyKey,
  idempotencySecret,
  recordDecisionInput,
  signVote,
  type VoteDraft,
} from './drafts';
export * from './errors';
export type * as Operations from './generated/operations';
export type { LiveOptions, LiveSubscription, WebSocketConstructor } from './live';
export { DEFAULT_RETRY, type RetryPolicy } from './retry';
export { type Ed25519KeyObject, SigningKey, type SigningKeyInput } from './signing-key';
export type { CallOptions } from './transport';
export { logVerifiers, type VerifiedInclusion, verifyBundle } from './verify';
