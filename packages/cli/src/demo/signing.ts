import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { type DecisionBody, decisionSigningMessage } from '@ecp/ledger-format/decision-entry';
import { type VoteStatement, voteSigningMessage } from '@ecp/ledger-format/vote-signature';

/**
 * An agent's Ed25519 signing key for one demo run: made in memory, registered with
 * `registerAgentKey`, revoked when the run ends (the private half is never written anywhere).
 */
export class DemoSigningKey {
  private constructor(
    private readonly privateKey: KeyObject,
    /** The 32-byte public key, base64, as `registerAgentKey` takes it. */
    readonly publicKeyBase64: string,
  ) {}

  static generate(): DemoSigningKey {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    // The last 32 bytes of an Ed25519 SPKI are the raw key.
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    return new DemoSigningKey(privateKey, raw.toString('base64'));
  }

  /** The signature over a decision's canonical `{kind, agentId, body}` (docs/ledger/format.md). */
  signDecision(agentId: string, body: DecisionBody): string {
    return sign(null, decisionSigningMessage(agentId, body), this.privateKey).toString('base64');
  }

  /** The signature over a vote's canonical `{kind: "ecp.vote/v1", pollId, agentId, option, …}`. */
  signVote(vote: VoteStatement): string {
    return sign(null, voteSigningMessage(vote), this.privateKey).toString('base64');
  }
}
