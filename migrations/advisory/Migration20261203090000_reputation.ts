import { Migration } from '@mikro-orm/migrations';

/** A vote keeps its voter's calibration weight when it was cast: what it counts in a REPUTATION poll. */
export class Migration20261203090000_reputation extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'alter table advisory.vote add column reputation double precision check (reputation >= 0 and reputation <= 1);',
    );
  }

  override async down(): Promise<void> {
    this.addSql('alter table advisory.vote drop column reputation;');
  }
}
