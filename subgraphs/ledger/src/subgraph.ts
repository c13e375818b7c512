import type { Outbox } from '@ecp/events/outbox';
import { JobProducer } from '@ecp/jobs/job-producer';
import { identitySecrets } from '@ecp/service-kit/subgraph-env';
import type { SubgraphDefinition } from '@ecp/service-kit/subgraph-runtime';
import { Redis } from 'ioredis';
import { createLedgerContext, type LedgerContext } from './context';
import type { LedgerConfig } from './env';
import { mountApiKeyLookup } from './modules/api-keys/api-key-lookup.route';
import { breakGlassClosedKind, breakGlassOpenedKind } from './modules/entries/break-glass.kind';
import { type EntryKind, EntryKinds } from './modules/entries/entry-kind';
import { liabilityRulesKind } from './modules/entries/liability-rules.kind';
import { lspLinkKind } from './modules/entries/lsp-link.kind';
import { outcomeReportKind } from './modules/entries/outcome-report.kind';
import { pollResultKind } from './modules/entries/poll-result.kind';
import { type BreakGlassSessions, serviceBreakGlassSessions } from './modules/firewall/break-glass-sessions';
import { breakGlassUseKind } from './modules/firewall/break-glass-use.kind';
import { EXPIRE_DECISION_JOB } from './modules/firewall/firewall.jobs';
import { type FirewallSetting, OPEN_GATE } from './modules/firewall/firewall-advice';
import { FirewallGate } from './modules/firewall/firewall-gate';
import type { HeldDecision } from './modules/firewall/held-decision.entity';
import { decisionApprovalKind, decisionRejectionKind } from './modules/firewall/review.kind';
import { serviceFirewallAdvice } from './modules/firewall/service-firewall-advice';
import type { AdviceChecker } from './modules/ledger/advice-checker';
import { advisoryAdviceChecker } from './modules/ledger/advisory-advice-checker';
import { decisionKind } from './modules/ledger/decision.kind';
import { LEDGER_TOPICS } from './modules/ledger/ledger.topics';
import { LedgerLog } from './modules/ledger/ledger-log';
import { logKeys } from './modules/ledger/log-keys';
import { mountPublicKey } from './modules/ledger/public-key.route';
import { mountPeopleRoutes } from './modules/people/people.route';
import { ledgerSchema } from './schema';
import { LEDGER_STORAGE } from './storage';

export { LEDGER_ENTITIES, LEDGER_SERVICE_ROLE } from './storage';

/**
 * The entry kinds the ledger accepts. Each feature that records what it did adds its kind here (its
 * schema in `schema/ledger/`, registered with `serviceEntryKind`); decisions are recorded by agents.
 */
export const LEDGER_ENTRY_KINDS: readonly EntryKind<never>[] = [
  decisionKind,
  pollResultKind,
  decisionApprovalKind,
  decisionRejectionKind,
  liabilityRulesKind,
  outcomeReportKind,
  lspLinkKind,
  breakGlassOpenedKind,
  breakGlassClosedKind,
  breakGlassUseKind,
];

export interface LedgerOptions {
  /** Further kinds to accept beside the platform's (a test's own kinds). */
  extraKinds?: readonly EntryKind<never>[];
  /**
   * Confirms the advice decisions name. By default the advisory subgraph is asked
   * (`advisoryAdviceChecker`); `refuseAllAdvice` refuses every decision that names advice.
   */
  advice?: AdviceChecker;
  /**
   * Where the Liability Firewall gets its policy and advice. By default, with `LEDGER_FIREWALL=enforce`,
   * the learning consortium and advisory are asked (`serviceFirewallAdvice`); `OPEN_GATE` commits
   * every decision at once (as `LEDGER_FIREWALL=off` does), for tests that are not about the firewall.
   */
  firewall?: FirewallSetting;
  /** Where break-glass sessions are checked; by default operations is asked (`serviceBreakGlassSessions`). */
  breakGlass?: BreakGlassSessions;
}

export function ledgerSubgraph(
  config: LedgerConfig,
  options: LedgerOptions = {},
): SubgraphDefinition<LedgerContext> {
  const kinds = new EntryKinds([...LEDGER_ENTRY_KINDS, ...(options.extraKinds ?? [])]);
  const settings = {
    tokenSecret: config.ECP_TOKEN_SECRET,
    accessTokenMaxTtlSeconds: config.ACCESS_TOKEN_MAX_TTL_SECONDS,
    maxEntryBytes: config.LEDGER_MAX_ENTRY_BYTES,
    holdTtlSeconds: config.LEDGER_HOLD_TTL_SECONDS,
    personSetupTokenTtlMs: config.PERSON_SETUP_TOKEN_TTL_MS,
  };
  const sessions = { ttlMs: config.PERSON_SESSION_TTL_MS, idleMs: config.PERSON_SESSION_IDLE_MS };
  const keys = logKeys(config.LEDGER_ORIGIN, config.LEDGER_SIGNING_KEY, config.LEDGER_VERIFIER_KEYS);
  let log: LedgerLog | undefined;
  let advice: AdviceChecker | undefined;
  let gate: FirewallGate | null | undefined;
  let outbox: Outbox | undefined;
  let onHeld: ((held: HeldDecision) => Promise<void>) | undefined;
  let breakGlass: BreakGlassSessions | undefined;
  return {
    name: 'ledger',
    ...LEDGER_STORAGE,
    schema: ledgerSchema,
    events: { topics: LEDGER_TOPICS },
    setup: async ({ orm, logger, metrics, outbox: events, publishEvents }) => {
      if (!events) throw new Error('the ledger declares topics, so it has an outbox');
      outbox = events;
      log = new LedgerLog({
        knex: orm.em.getConnection().getKnex(),
        outbox: events,
        keys,
        logger: logger.child({ module: 'ledger-log' }),
        batchMax: config.LEDGER_BATCH_MAX,
        checkpointIntervalMs: config.CHECKPOINT_INTERVAL_MS,
        checkpointEveryEntries: config.CHECKPOINT_EVERY_ENTRIES,
        registry: metrics.registry,
        // Publish at once rather than wait for the commit's notification to come round.
        onEvents: publishEvents,
      });
      await log.start();
      const started = log;
      // Each held decision's expiry is a delayed job, hosted by the workers (the sweep catches any lost).
      const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
      redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));
      const producer = new JobProducer(redis, config.QUEUE_PREFIX);
      onHeld = async (held) => {
        try {
          await producer.enqueue(
            EXPIRE_DECISION_JOB,
            { decisionId: held.id },
            { delayMs: Math.max(0, held.expiresAt.getTime() - Date.now()), jobId: `expire-${held.id}` },
          );
        } catch (err) {
          // The hold is committed either way; the sweep rejects it at its time without the timer.
          logger.warn({ err, decisionId: held.id }, 'could not schedule a held decision’s expiry');
        }
      };
      return async () => {
        await started.close();
        await producer.close();
        redis.disconnect();
      };
    },
    createContext: (scope, orm, platform) => {
      if (!log || !outbox) throw new Error('the ledger log has not started');
      advice ??= options.advice ?? advisoryAdviceChecker(platform.services);
      breakGlass ??= options.breakGlass ?? serviceBreakGlassSessions(platform.services);
      if (gate === undefined) {
        const setting: FirewallSetting =
          options.firewall ??
          (config.LEDGER_FIREWALL === 'off'
            ? OPEN_GATE
            : serviceFirewallAdvice(platform.services, { policyTtlMs: config.LEDGER_POLICY_CACHE_MS }));
        gate = setting === OPEN_GATE ? null : new FirewallGate(setting);
      }
      return createLedgerContext(scope, orm, settings, log, kinds, advice, {
        gate,
        outbox,
        breakGlass,
        ...(onHeld ? { onHeld } : {}),
      });
    },
    mount: (routes, orm) => {
      mountApiKeyLookup(routes, orm, identitySecrets(config), sessions);
      mountPeopleRoutes(routes, orm, identitySecrets(config), sessions);
      mountPublicKey(routes, keys);
    },
  };
}
