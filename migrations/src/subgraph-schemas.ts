import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261127090000_votes } from '../advisory/Migration20261127090000_votes';
import { Migration20261201150000_events as AdvisoryEvents } from '../advisory/Migration20261201150000_events';
import { Migration20261202090000_advice } from '../advisory/Migration20261202090000_advice';
import { Migration20261203090000_reputation } from '../advisory/Migration20261203090000_reputation';
import { Migration20261127090000_outcomes } from '../learning-consortium/Migration20261127090000_outcomes';
import { Migration20261201150000_events as LearningEvents } from '../learning-consortium/Migration20261201150000_events';
import { Migration20261202120000_jurisdictions } from '../learning-consortium/Migration20261202120000_jurisdictions';
import { Migration20261202130000_lessons } from '../learning-consortium/Migration20261202130000_lessons';
import { Migration20261127090000_agents } from '../ledger/Migration20261127090000_agents';
import { Migration20261127120000_transparency_ledger } from '../ledger/Migration20261127120000_transparency_ledger';
import { Migration20261127150000_outbox } from '../ledger/Migration20261127150000_outbox';
import { Migration20261201120000_api_key_lifecycle } from '../ledger/Migration20261201120000_api_key_lifecycle';
import { Migration20261201150000_events as LedgerEvents } from '../ledger/Migration20261201150000_events';
import { Migration20261201160000_entry_keys } from '../ledger/Migration20261201160000_entry_keys';
import { Migration20261202090000_decision_v2 } from '../ledger/Migration20261202090000_decision_v2';
import { Migration20261202120000_firewall } from '../ledger/Migration20261202120000_firewall';
import { Migration20261202140000_liability_rules } from '../ledger/Migration20261202140000_liability_rules';
import { Migration20261202140100_agent_organisation } from '../ledger/Migration20261202140100_agent_organisation';
import { Migration20261205090000_people } from '../ledger/Migration20261205090000_people';
import { Migration20261206090000_admin_recovery } from '../ledger/Migration20261206090000_admin_recovery';
import { Migration20261127090000_break_glass } from '../operations/Migration20261127090000_break_glass';
import { Migration20261201150000_events as OperationsEvents } from '../operations/Migration20261201150000_events';
import { Migration20261204090000_alerts_and_notifications } from '../operations/Migration20261204090000_alerts_and_notifications';
import { Migration20261204100000_health } from '../operations/Migration20261204100000_health';
import { Migration20261204110000_alerting } from '../operations/Migration20261204110000_alerting';
import { Migration20261204120000_delivery } from '../operations/Migration20261204120000_delivery';
import { Migration20261204130000_incidents } from '../operations/Migration20261204130000_incidents';
import { Migration20261204140000_break_glass_lifecycle } from '../operations/Migration20261204140000_break_glass_lifecycle';
import { Migration20261204150000_pm_reports } from '../operations/Migration20261204150000_pm_reports';
/**
 * Each subgraph owns one PostgreSQL schema and its own ordered list of migrations.
 * A new migration is a file in the subgraph's folder, appended to its list here.
 */
export const SUBGRAPH_SCHEMAS: readonly {
  subgraph: string;
  schema: string;
  migrations: MigrationObject[];
}[] = [
  {
    subgraph: 'ledger',
    schema: 'ledger',
    migrations: [
      { name: 'Migration20261127090000_agents', class: Migration20261127090000_agents },
      {
        name: 'Migration20261127120000_transparency_ledger',
        class: Migration20261127120000_transparency_ledger,
      },
      { name: 'Migration20261127150000_outbox', class: Migration20261127150000_outbox },
      {
        name: 'Migration20261201120000_api_key_lifecycle',
        class: Migration20261201120000_api_key_lifecycle,
      },
      { name: 'Migration20261201150000_events', class: LedgerEvents },
      { name: 'Migration20261201160000_entry_keys', class: Migration20261201160000_entry_keys },
      { name: 'Migration20261202090000_decision_v2', class: Migration20261202090000_decision_v2 },
      { name: 'Migration20261202120000_firewall', class: Migration20261202120000_firewall },
      { name: 'Migration20261202140000_liability_rules', class: Migration20261202140000_liability_rules },
      {
        name: 'Migration20261202140100_agent_organisation',
        class: Migration20261202140100_agent_organisation,
      },
      { name: 'Migration20261205090000_people', class: Migration20261205090000_people },
      { name: 'Migration20261206090000_admin_recovery', class: Migration20261206090000_admin_recovery },
    ],
  },
  {
    subgraph: 'advisory',
    schema: 'advisory',
    migrations: [
      { name: 'Migration20261127090000_votes', class: Migration20261127090000_votes },
      { name: 'Migration20261201150000_events', class: AdvisoryEvents },
      { name: 'Migration20261202090000_advice', class: Migration20261202090000_advice },
      { name: 'Migration20261203090000_reputation', class: Migration20261203090000_reputation },
    ],
  },
  {
    subgraph: 'learning-consortium',
    schema: 'learning',
    migrations: [
      { name: 'Migration20261127090000_outcomes', class: Migration20261127090000_outcomes },
      { name: 'Migration20261201150000_events', class: LearningEvents },
      { name: 'Migration20261202120000_jurisdictions', class: Migration20261202120000_jurisdictions },
      { name: 'Migration20261202130000_lessons', class: Migration20261202130000_lessons },
    ],
  },
  {
    subgraph: 'operations',
    schema: 'operations',
    migrations: [
      { name: 'Migration20261127090000_break_glass', class: Migration20261127090000_break_glass },
      { name: 'Migration20261201150000_events', class: OperationsEvents },
      {
        name: 'Migration20261204090000_alerts_and_notifications',
        class: Migration20261204090000_alerts_and_notifications,
      },
      { name: 'Migration20261204100000_health', class: Migration20261204100000_health },
      { name: 'Migration20261204110000_alerting', class: Migration20261204110000_alerting },
      { name: 'Migration20261204120000_delivery', class: Migration20261204120000_delivery },
      { name: 'Migration20261204130000_incidents', class: Migration20261204130000_incidents },
      {
        name: 'Migration20261204140000_break_glass_lifecycle',
        class: Migration20261204140000_break_glass_lifecycle,
      },
      { name: 'Migration20261204150000_pm_reports', class: Migration20261204150000_pm_reports },
    ],
  },
];
