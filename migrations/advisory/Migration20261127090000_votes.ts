import { Migration } from '@mikro-orm/migrations';

/** Votes agents cast in Network Opinion Polls; the polls themselves arrive with the advisory features. */
export class Migration20261127090000_votes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table advisory.vote (
        id uuid primary key,
        poll_id uuid not null,
        agent_id uuid not null,
        option text not null,
        confidence double precision not null check (confidence >= 0 and confidence <= 1),
        rationale text not null default '',
        cast_at timestamptz not null default now(),
        unique (poll_id, agent_id)
      );
    `);
    this.addSql(`create index vote_agent_idx on advisory.vote (agent_id, cast_at desc, id);`);
  }
}
