import type { Silence } from './silence.entity';

/** In force at `now`: started, not ended, not expired. */
export function silenceInForce(silence: Silence, now: Date): boolean {
  const t = now.getTime();
  return silence.expiredAt === null && silence.startsAt.getTime() <= t && silence.endsAt.getTime() > t;
}

/** Whether the silence's rule (when it names one) and every matcher fit the alert. */
export function silenceMatches(
  silence: Pick<Silence, 'rule' | 'matchers'>,
  alert: { rule: string; labels: Record<string, string> },
): boolean {
  if (silence.rule && silence.rule !== alert.rule) return false;
  return silence.matchers.every((m) => alert.labels[m.name] === m.value);
}
