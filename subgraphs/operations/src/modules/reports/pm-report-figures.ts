/**
 * The figures of one project-manager report, as stored in its JSON and rendered into its Markdown.
 * Each section either has its figures or says why it could not have them (a subgraph that did not
 * answer, a table not there yet): one missing source never stops the report.
 */
export type Section<T> = { available: true; figures: T } | { available: false; reason: string };

export interface Count {
  key: string;
  count: number;
}

export interface DecisionFigures {
  count: number;
  byJurisdiction: Count[];
  byCategory: Count[];
}

export interface DivergenceFigures {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  aboveThreshold: number;
  /** Scores in [from, to) (the last bucket includes 1). */
  buckets: { from: number; to: number; count: number }[];
}

export interface PollFigures {
  opened: number;
  closed: number;
  quorumMet: number;
}

export interface OutcomeFigures {
  count: number;
  /** Share of the outcomes reported as successes, in [0, 1]; null when none was reported. */
  meanSuccess: number | null;
}

export interface HeldFigures {
  held: number;
  committed: number;
  rejected: number;
  /** Held decisions still waiting for approval at the end of the report, whenever they were held. */
  pending: number;
}

export interface IncidentFigures {
  opened: number;
  resolved: number;
  openNow: number;
}

export interface HealthFigures {
  environments: { name: string; status: string; uptime24h: number | null }[];
}

export interface QueueFigures {
  queues: { name: string; waiting: number; active: number; delayed: number; failed: number }[];
  consumers: { name: string; unread: number; pending: number }[];
}

export interface PmReportFigures {
  periodStart: string;
  periodEnd: string;
  generatedAt: string;
  decisions: Section<DecisionFigures>;
  divergence: Section<DivergenceFigures>;
  polls: Section<PollFigures>;
  outcomes: Section<OutcomeFigures>;
  heldDecisions: Section<HeldFigures>;
  incidents: Section<IncidentFigures>;
  health: Section<HealthFigures>;
  queues: Section<QueueFigures>;
}
