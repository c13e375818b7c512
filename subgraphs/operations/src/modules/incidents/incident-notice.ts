import type { NotificationRequest } from '../delivery/notifier';
import type { Incident } from './incident.entities';

/** The thread of an incident's notifications: one GitHub issue, opened at its first notice and closed at its resolution. */
export function incidentThreadKey(incidentId: string): string {
  return `incident:${incidentId}`;
}

/** What a notice about an incident says it is about. */
export type IncidentNoticeReason =
  | { kind: 'ESCALATION'; level: number; round: number }
  | { kind: 'ACKNOWLEDGED' }
  | { kind: 'RESOLVED'; auto: boolean };

/** The subject and body of a notice about an incident (Markdown: email, Slack and GitHub read it). */
export function incidentNotice(
  incident: Incident,
  reason: IncidentNoticeReason,
): Pick<NotificationRequest, 'subject' | 'markdown'> {
  const lines: string[] = [];
  let subject: string;
  switch (reason.kind) {
    case 'ESCALATION':
      subject = `[${incident.severity}] Incident: ${incident.title}`;
      lines.push(
        reason.level === 0 && reason.round === 0
          ? '**An incident is open and nobody has acknowledged it yet.**'
          : `**Escalated: still not acknowledged** (level ${reason.level + 1}${reason.round > 0 ? `, repeat ${reason.round}` : ''}).`,
      );
      break;
    case 'ACKNOWLEDGED':
      subject = `[${incident.severity}] Acknowledged: ${incident.title}`;
      lines.push(`**Acknowledged** by ${incident.acknowledgedBy ?? 'someone'}: escalation stopped.`);
      break;
    case 'RESOLVED':
      subject = `[${incident.severity}] Resolved: ${incident.title}`;
      lines.push(
        reason.auto
          ? '**Resolved**: every linked alert resolved.'
          : `**Resolved** by ${incident.resolvedBy ?? 'someone'}.`,
      );
      if (incident.resolutionNote) lines.push('', incident.resolutionNote);
      break;
  }
  lines.push(
    '',
    `- Incident: \`${incident.id}\``,
    `- Severity: ${incident.severity}`,
    `- Status: ${incident.status}`,
    `- Opened at ${incident.openedAt.toISOString()} by ${incident.openedBy}`,
  );
  if (incident.summary) lines.push('', incident.summary);
  if (reason.kind === 'ESCALATION') {
    lines.push(
      '',
      `Acknowledge to stop the escalation: \`mutation { acknowledgeIncident(id: "${incident.id}") { status } }\` (see docs/runbooks/incidents.md).`,
    );
  }
  return { subject, markdown: lines.join('\n') };
}
