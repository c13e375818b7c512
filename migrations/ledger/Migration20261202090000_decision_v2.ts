import { Migration } from '@mikro-orm/migrations';

/**
 * Decisions of kind `ecp.decision/v2` carry tags, and decisions are searched as precedents: the
 * projection `ledger.decision` gains what the search reads, so that it never parses entries.
 *
 * - `tags`: the decision's tags (`{}` for v1 entries, which have none), for "has all of these tags".
 * - `rationale`: the rationale's text.
 * - `search`: the full-text document of the rationale (weight A) and of the context's string values
 *   (weight B), for the recording agent and for people, who may read the context.
 * - `rationale_search`: the document of the rationale alone, generated from `rationale`, for everyone
 *   else: another agent's search must not match, nor be ranked by, a context it may not read.
 *
 * Both documents use the 'english' configuration (stemming, stop words): rationales are prose written
 * in English, and "refund" should find "refunded" and "refunds". `ledger.decision_search_document` is
 * the one definition of the document; the append path calls it, and the search asks with
 * `websearch_to_tsquery('english', …)`, which must stay the same configuration.
 *
 * Rows already there are filled from their entries' canonical bytes. The table is append-only by a
 * trigger that refuses every UPDATE; this migration switches it off for that one UPDATE and on again
 * in the same transaction (migrations run in one), under the lock ALTER TABLE takes, so no other
 * statement runs meanwhile. The UPDATE writes only the new, derived columns; no recorded value changes.
 */
export class Migration20261202090000_decision_v2 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function ledger.decision_search_document(rationale text, context jsonb) returns tsvector
        language sql immutable parallel safe
        as $$
          select setweight(to_tsvector('english'::regconfig, coalesce(rationale, '')), 'A')
              || setweight(jsonb_to_tsvector('english'::regconfig, coalesce(context, '{}'::jsonb), '["string"]'), 'B')
        $$;`);
    this.addSql(
      `comment on function ledger.decision_search_document(text, jsonb) is 'The full-text document of a decision: its rationale (A) and the string values of its context (B).';`,
    );
    this.addSql(`
      alter table ledger.decision
        add column tags text[] not null default '{}',
        add column rationale text null,
        add column search tsvector null,
        add column rationale_search tsvector
          generated always as (ledger.decision_search_document(rationale, null)) stored;`);

    this.addSql('alter table ledger.decision disable trigger decision_append_only;');
    this.addSql(`
      update ledger.decision d
         set rationale = e.body ->> 'rationale',
             search = ledger.decision_search_document(e.body ->> 'rationale', e.body -> 'context')
        from (select index, convert_from(canonical, 'UTF8')::jsonb -> 'body' as body from ledger.entry) e
       where e.index = d.ledger_index;`);
    this.addSql('alter table ledger.decision enable trigger decision_append_only;');

    this.addSql(`
      alter table ledger.decision
        alter column rationale set not null,
        alter column search set not null,
        add constraint decision_tags_check check (cardinality(tags) <= 32);`);
    this.addSql(
      `comment on column ledger.decision.search is 'Rationale and context text: searched for those who may read the context.';`,
    );
    this.addSql(
      `comment on column ledger.decision.rationale_search is 'Rationale text only: searched for everyone else.';`,
    );

    this.addSql('create index decision_search_idx on ledger.decision using gin (search);');
    this.addSql(
      'create index decision_rationale_search_idx on ledger.decision using gin (rationale_search);',
    );
    this.addSql('create index decision_tags_idx on ledger.decision using gin (tags);');
    // A jurisdiction and everything below it: `jurisdiction = 'EU' or jurisdiction like 'EU/%'`.
    this.addSql(
      'create index decision_jurisdiction_tree_idx on ledger.decision (jurisdiction text_pattern_ops, ledger_index);',
    );
    // How often each option was chosen in one jurisdiction and category, before an index.
    this.addSql(
      'create index decision_choice_idx on ledger.decision (jurisdiction, category, chosen_option, ledger_index);',
    );
  }
}
