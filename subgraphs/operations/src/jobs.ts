/**
 * The work this subgraph does outside requests (BullMQ processors, job schedulers, event consumers),
 * for `workers/` to host: the one part of a subgraph the workers may import. None yet.
 */
export const jobs: readonly never[] = [];
