import { identitySecrets } from '@ecp/service-kit/subgraph-env';
import type { SubgraphDefinition } from '@ecp/service-kit/subgraph-runtime';
import { createLedgerContext, type LedgerContext } from './context';
import type { LedgerConfig } from './env';
import { mountApiKeyLookup } from './modules/api-keys/api-key-lookup.route';
import { type EntryKind, EntryKinds } from './modules/entries/entry-kind';
import { liabilityRulesKind } from './modules/entries/liability-rules.kind';
import { lspLinkKind } from './modules/entries/lsp-link.kind';
import { outcomeReportKind } from './modules/entries/outcome-report.kind';
import { pollResultKind } from './modules/entries/poll-result.kind';
import type { AdviceChecker } from './modules/ledger/advice-checker';
import { advisoryAdviceChecker } from './modules/ledger/advisory-advice-checker';
import { decisionKind } from './modules/ledger/decision.kind';
import { LEDGER_TOPICS } from './modules/ledger/ledger.topics';
import { LedgerLog } from './modules/ledger/ledger-log';
import { logKeys } from './modules/ledger/log-keys';
import { mountPublicKey } from './modules/ledger/public-key.route';
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
  liabilityRulesKind,
  outcomeReportKind,
  lspLinkKind,
];

export interface LedgerOptions {
  /** Further kinds to accept beside the platform's (a test's own kinds). */
  extraKinds?: readonly EntryKind<never>[];
  /**
   * Confirms the advice decisions name. By default the advisory subgraph is asked
   * (`advisoryAdviceChecker`); `refuseAllAdvice` refuses every decision that names advice.
   */
  advice?: AdviceChecker;
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
  };
  const keys = logKeys(config.LEDGER_ORIGIN, config.LEDGER_SIGNING_KEY, config.LEDGER_VERIFIER_KEYS);
  let log: LedgerLog | undefined;
  let advice: AdviceChecker | undefined;
  return {
    name: 'ledger',
    ...LEDGER_STORAGE,
    schema: ledgerSchema,
    events: { topics: LEDGER_TOPICS },
    setup: async ({ orm, logger, metrics, outbox, publishEvents }) => {
      if (!outbox) throw new Error('the ledger declares topics, so it has an outbox');
      log = new LedgerLog({
        knex: orm.em.getConnection().getKnex(),
        outbox,
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
      return () => started.close();
    },
    createContext: (scope, orm, platform) => {
      if (!log) throw new Error('the ledger log has not started');
      advice ??= options.advice ?? advisoryAdviceChecker(platform.services);
      return createLedgerContext(scope, orm, settings, log, kinds, advice);
    },
    mount: (routes, orm) => {
      mountApiKeyLookup(routes, orm, identitySecrets(config));
      mountPublicKey(routes, keys);
    },
  };
}
