import { Migration } from '@mikro-orm/migrations';

/**
 * What the advisory subgraph keeps to advise: versioned friction weight sets (per jurisdiction, with a
 * default), friction assessments as given, Network Opinion Polls with their votes and results, and the
 * divergence of each committed decision from its advice.
 */
export class Migration20261202090000_advice extends Migration {
  override async up(): Promise<void> {
    // A weight set is never edited: a change is a new version. `*` is the default for every jurisdiction.
    this.addSql(`
      create table advisory.weight_set (
        jurisdiction text not null,
        version integer not null check (version >= 1),
        friction_weights jsonb not null,
        risk_weight double precision not null check (risk_weight >= 0 and risk_weight <= 1),
        divergence_weights jsonb not null,
        divergence_threshold double precision not null check (divergence_threshold >= 0 and divergence_threshold <= 1),
        note text not null default '',
        created_by text not null,
        created_at timestamptz not null default now(),
        primary key (jurisdiction, version)
      );`);
    this.addSql(`
      insert into advisory.weight_set
        (jurisdiction, version, friction_weights, risk_weight, divergence_weights, divergence_threshold, note, created_by)
      values ('*', 1,
        '{"precedentDivergence":0.25,"pollDissent":0.2,"irreversibility":0.2,"impactScope":0.15,"jurisdictionRisk":0.1,"trackRecord":0.1}',
        0.5,
        '{"poll":0.5,"precedent":0.3,"consortium":0.2}',
        0.5,
        'The default shipped with ECP (docs/scoring.md).',
        'system');`);
    this.addSql(`
      create table advisory.friction_assessment (
        id uuid primary key,
        agent_id uuid not null,
        jurisdiction text not null,
        category text not null,
        option_ids text[] not null,
        chosen_option text not null,
        poll_id uuid,
        draft jsonb not null,
        evidence jsonb not null,
        score double precision not null check (score >= 0 and score <= 1),
        weights_jurisdiction text not null,
        weights_version integer not null,
        factors jsonb not null,
        created_at timestamptz not null default now(),
        foreign key (weights_jurisdiction, weights_version) references advisory.weight_set (jurisdiction, version)
      );`);
    this.addSql(
      'create index friction_assessment_agent_idx on advisory.friction_assessment (agent_id, created_at desc, id);',
    );
    this.addSql(`
      create table advisory.poll (
        id uuid primary key,
        opened_by uuid not null,
        jurisdiction text not null,
        category text,
        question text not null,
        options jsonb not null,
        eligible_voters uuid[] not null,
        eligible_by text not null check (eligible_by in ('LIST', 'JURISDICTION')),
        quorum integer not null check (quorum >= 1),
        weighting text not null check (weighting in ('EQUAL', 'CONFIDENCE', 'REPUTATION')),
        closes_at timestamptz not null,
        status text not null default 'OPEN' check (status in ('OPEN', 'CLOSED')),
        closed_at timestamptz,
        close_reason text check (close_reason in ('CLOSING_TIME', 'ALL_VOTED', 'CLOSED_BY_OPENER', 'CLOSED_BY_OPERATOR')),
        result jsonb,
        ledger_index bigint,
        ledger_leaf_hash text,
        created_at timestamptz not null default now(),
        check ((status = 'OPEN') = (closed_at is null)),
        check (quorum <= cardinality(eligible_voters))
      );`);
    this.addSql("create index poll_open_idx on advisory.poll (closes_at) where status = 'OPEN';");
    this.addSql('create index poll_list_idx on advisory.poll (created_at desc, id);');
    this.addSql(
      "create index poll_unrecorded_idx on advisory.poll (closed_at) where status = 'CLOSED' and ledger_index is null;",
    );
    // Votes existed before polls did; nothing wrote them, so every vote now belongs to a poll.
    this.addSql(`
      alter table advisory.vote
        add column signature_key_id uuid,
        add column signature text,
        add constraint vote_poll_fk foreign key (poll_id) references advisory.poll (id),
        add constraint vote_signature_pair check ((signature is null) = (signature_key_id is null));`);
    this.addSql('create index vote_poll_idx on advisory.vote (poll_id, cast_at, id);');
    this.addSql(`
      create table advisory.divergence (
        decision_id uuid primary key,
        agent_id uuid not null,
        jurisdiction text not null,
        category text not null,
        ledger_index bigint not null,
        chosen_option text not null,
        poll_id uuid,
        friction_assessment_id uuid,
        from_poll double precision,
        from_precedent double precision,
        from_consortium double precision,
        combined double precision not null check (combined >= 0 and combined <= 1),
        weights jsonb not null,
        weights_version text not null,
        threshold double precision not null,
        exceeded boolean not null,
        evidence jsonb not null,
        scored_at timestamptz not null default now()
      );`);
    this.addSql('create index divergence_scored_idx on advisory.divergence (scored_at desc, decision_id);');
    this.addSql(
      'create index divergence_place_idx on advisory.divergence (jurisdiction, category, ledger_index);',
    );
  }
}
