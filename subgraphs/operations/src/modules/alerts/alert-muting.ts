import type { EntityManager } from '@mikro-orm/postgresql';
import { type Silence, SilenceEntity } from '../silences/silence.entity';
import { silenceMatches } from '../silences/silence-matching';
import { type Alert, AlertEntity } from './alert.entity';
import { INHIBITION_RULES, inhibits } from './inhibition';

/** Why a firing alert is not notified now: the silences in force that match it, the alerts inhibiting it. */
export interface Muting {
  silencedBy: Silence[];
  inhibitedBy: Alert[];
}

/**
 * What mutes alerts at one moment: the silences in force and the firing alerts of inhibition
 * sources, read once and then applied to as many alerts as needed (a flush, a page of the graph).
 */
export class MutingSnapshot {
  private constructor(
    readonly now: Date,
    private readonly silences: Silence[],
    private readonly sources: Alert[],
  ) {}

  static async load(em: EntityManager, now: Date): Promise<MutingSnapshot> {
    const silences = await em.find(SilenceEntity, {
      expiredAt: null,
      startsAt: { $lte: now },
      endsAt: { $gt: now },
    });
    const sourceRules = [...new Set(INHIBITION_RULES.map((r) => r.source))];
    const sources = sourceRules.length
      ? await em.find(AlertEntity, { rule: { $in: sourceRules }, status: 'FIRING' })
      : [];
    return new MutingSnapshot(now, silences, sources);
  }

  /** Only firing alerts are muted; a resolved one has nothing to mute. */
  of(alert: Alert): Muting {
    if (alert.status !== 'FIRING') return { silencedBy: [], inhibitedBy: [] };
    return {
      silencedBy: this.silences.filter((s) => silenceMatches(s, alert)),
      inhibitedBy: this.sources.filter(
        (source) => source.id !== alert.id && INHIBITION_RULES.some((r) => inhibits(r, source, alert)),
      ),
    };
  }

  /** Firing and neither silenced nor inhibited. */
  notifiable(alert: Alert): boolean {
    const m = this.of(alert);
    return alert.status === 'FIRING' && m.silencedBy.length === 0 && m.inhibitedBy.length === 0;
  }
}
