import { createHash } from 'node:crypto';
import { BadUserInputError, type ErrorDetail } from '@ecp/errors/errors';
import type { Principal } from '@ecp/identity/principal';
import { readJurisdiction } from '@ecp/jurisdictions/jurisdiction';
import { canonicalJson } from '@ecp/ledger-format/canonical-json';
import { CATEGORY_PATTERN, MAX_TAGS, TAG_PATTERN } from '@ecp/ledger-format/decision-entry';
import { decodeCursor, encodeCursor } from '@ecp/service-kit/cursor';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DecisionService, DecisionView } from '../ledger/decision.service';
import { ledgerStore } from '../ledger/ledger-store';
import { parseLedgerNumber } from '../ledger/numbers';
import { withPgClient } from '../ledger/pg-client';
import { readableContents } from '../ledger/visibility';

/** What a precedent search asks for (the GraphQL input, unvalidated); every condition given must hold. */
export interface PrecedentQuery {
  jurisdiction?: string | null;
  category?: string | null;
  tags?: readonly string[] | null;
  text?: string | null;
}

/** One decision found, where it ranks, and how often it has been cited. */
export interface PrecedentHit {
  decision: DecisionView;
  rank: number;
  citationCount: number;
  cursor: string;
}

/** A page of a precedent search, read at one tree size. */
export interface PrecedentPage {
  treeSize: bigint;
  hits: PrecedentHit[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

export interface OptionCount {
  option: string;
  count: number;
}

/** The longest text a search takes. */
export const MAX_SEARCH_TEXT = 500;
const PAGE_DEFAULT = 20;
const PAGE_MAX = 100;
/** The most options `choices` counts at once: as many as a decision may have. */
const MAX_OPTIONS = 64;

interface Deps {
  em: EntityManager;
  principal: Principal;
  /** Reads the decisions found, as every other query reads them. */
  decisions: DecisionService;
}

/**
 * Earlier decisions as precedents: searching them (by place, category, tags and text) and counting
 * which option was chosen where. Any authenticated caller may ask; what a search may match follows the
 * ledger's visibility rule (a context's text only where the caller may read that context).
 */
export class PrecedentService {
  constructor(private readonly deps: Deps) {}

  /**
   * Decisions matching every condition of `query`: in the jurisdiction or below it, of the category,
   * holding all the tags, matching the text (PostgreSQL full-text search over the rationale, and over
   * the context where the caller may read it). Ranked by text relevance (`ts_rank_cd`), then by how
   * many decisions cite them, then newest first. The first page fixes the tree size the search reads;
   * its cursors carry it, so later pages read the same decisions and counts and never repeat or skip one.
   */
  async search(
    query: PrecedentQuery,
    page: { first?: number | null; after?: string | null },
  ): Promise<PrecedentPage> {
    const q = checkQuery(query);
    const limit = pageSize(page.first);
    if (q.text !== undefined) await this.checkSearchable(q.text);
    const fingerprint = fingerprintOf(q);
    const after = page.after != null ? readCursor(page.after, fingerprint) : undefined;
    const treeSize = after?.treeSize ?? (await withPgClient(this.deps.em, (db) => ledgerStore.size(db)));

    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const where = [`d.ledger_index < ${param(treeSize.toString())}::bigint`];
    if (q.jurisdiction !== undefined) {
      // At the jurisdiction or anywhere below it (`EU` → `EU`, `EU/DE`, `EU/DE/BY`, never `EUX`).
      where.push(
        `(d.jurisdiction = ${param(q.jurisdiction)} or d.jurisdiction like ${param(`${escapeLike(q.jurisdiction)}/%`)})`,
      );
    }
    if (q.category !== undefined) where.push(`d.category = ${param(q.category)}`);
    if (q.tags.length > 0) where.push(`d.tags @> ${param(q.tags)}::text[]`);
    let from = 'ledger.decision d';
    let rank = '0::float8';
    if (q.text !== undefined) {
      // 'english', as the documents were built (see the migration that made them): rationales are prose.
      from += ` cross join websearch_to_tsquery('english', ${param(q.text)}) as q(query)`;
      // A context is matched, and ranks, only where the caller may read it; elsewhere the rationale alone.
      const readable = readableContents(this.deps.principal);
      let document: string;
      if (readable.everyone) {
        document = 'd.search';
        where.push('d.search @@ q.query');
      } else if (readable.agentId === null) {
        document = 'd.rationale_search';
        where.push('d.rationale_search @@ q.query');
      } else {
        const own = `${param(readable.agentId)}::uuid`;
        document = `case when d.agent_id = ${own} then d.search else d.rationale_search end`;
        // Two conditions rather than one on the case expression, so that each can use its GIN index.
        where.push(
          `((d.agent_id = ${own} and d.search @@ q.query) or (d.agent_id <> ${own} and d.rationale_search @@ q.query))`,
        );
      }
      rank = `ts_rank_cd(${document}, q.query)::float8`;
    }
    const citations = `(select count(*) from ledger.citation c
        where c.cited_index = d.ledger_index and c.citing_index < ${param(treeSize.toString())}::bigint)::int`;
    const keyset = after
      ? `where (s.rank, s.citations, s.ledger_index) < (${param(after.rank)}::float8, ${param(after.citations)}::int, ${param(after.index.toString())}::bigint)`
      : '';
    const rows = await withPgClient(this.deps.em, async (db) => {
      const result = await db.query<{ id: string; ledger_index: string; rank: number; citations: number }>(
        `select s.id, s.ledger_index::text as ledger_index, s.rank, s.citations
           from (select d.id, d.ledger_index, ${rank} as rank, ${citations} as citations
                   from ${from}
                  where ${where.join(' and ')}) s
          ${keyset}
          order by s.rank desc, s.citations desc, s.ledger_index desc
          limit ${param(limit + 1)}`,
        params,
      );
      return result.rows;
    });
    const shown = rows.slice(0, limit);
    const views = await Promise.all(shown.map((r) => this.deps.decisions.findForReference(r.id)));
    const hits = shown.flatMap((r, i) => {
      const decision = views[i];
      if (!decision) return [];
      const position = { treeSize, rank: r.rank, citations: r.citations, index: BigInt(r.ledger_index) };
      return [
        { decision, rank: r.rank, citationCount: r.citations, cursor: writeCursor(position, fingerprint) },
      ];
    });
    return { treeSize, hits, hasNextPage: rows.length > limit, hasPreviousPage: after !== undefined };
  }

  /**
   * How often each of `options` was the chosen option among the decisions in exactly `jurisdiction`
   * and `category` (and before ledger index `beforeIndex`, when given): every option asked for, in the
   * order asked, 0 when never chosen. An aggregate over public fields, so any caller may ask.
   */
  async choices(args: {
    jurisdiction: string;
    category: string;
    options: readonly string[];
    beforeIndex?: string | null;
  }): Promise<OptionCount[]> {
    const problems: ErrorDetail[] = [];
    const jurisdiction = readJurisdiction(args.jurisdiction);
    if (!jurisdiction.ok) problems.push({ path: 'jurisdiction', reason: jurisdiction.problem });
    if (!CATEGORY_PATTERN.test(args.category)) {
      problems.push({
        path: 'category',
        reason: `must match ${CATEGORY_PATTERN.source}, as decisions' categories do`,
      });
    }
    if (args.options.length === 0 || args.options.length > MAX_OPTIONS) {
      problems.push({ path: 'options', reason: `must name 1 to ${MAX_OPTIONS} options` });
    }
    const seen = new Set<string>();
    args.options.forEach((option, i) => {
      if (option.length < 1 || option.length > 128) {
        problems.push({ path: `options.${i}`, reason: 'an option id has 1 to 128 characters' });
      } else if (seen.has(option)) problems.push({ path: `options.${i}`, reason: 'is named twice' });
      seen.add(option);
    });
    let before: bigint | undefined;
    try {
      if (args.beforeIndex != null) before = parseLedgerNumber(args.beforeIndex, 'beforeIndex');
    } catch (err) {
      problems.push(...(err as BadUserInputError).details);
    }
    refuse(problems);
    const { rows } = await withPgClient(this.deps.em, (db) =>
      db.query<{ option: string; count: number }>(
        `select o.option, count(d.id)::int as count
           from unnest($3::text[]) with ordinality as o(option, n)
           left join ledger.decision d
             on d.jurisdiction = $1 and d.category = $2 and d.chosen_option = o.option
            and ($4::bigint is null or d.ledger_index < $4::bigint)
          group by o.option, o.n
          order by o.n`,
        [args.jurisdiction, args.category, args.options, before?.toString() ?? null],
      ),
    );
    return rows;
  }

  /** A text with no word to search for (only stop words or punctuation) would silently match nothing. */
  private async checkSearchable(text: string): Promise<void> {
    const { rows } = await withPgClient(this.deps.em, (db) =>
      db.query<{ words: number }>("select numnode(websearch_to_tsquery('english', $1))::int as words", [
        text,
      ]),
    );
    if (rows[0]!.words === 0) {
      refuse([{ path: 'query.text', reason: 'has no word to search for, only stop words or punctuation' }]);
    }
  }
}

/** A query whose every condition has been checked; `tags` sorted and without repeats. */
interface CheckedQuery {
  jurisdiction?: string;
  category?: string;
  tags: string[];
  text?: string;
}

/**
 * Every condition given must be one that can match: an empty string, a jurisdiction or category no
 * decision can have, or more tags than a decision holds is a mistake, not "no precedents".
 */
function checkQuery(query: PrecedentQuery): CheckedQuery {
  const problems: ErrorDetail[] = [];
  const checked: CheckedQuery = { tags: [] };
  if (query.jurisdiction != null) {
    const reading = readJurisdiction(query.jurisdiction);
    if (reading.ok) checked.jurisdiction = query.jurisdiction;
    else problems.push({ path: 'query.jurisdiction', reason: reading.problem });
  }
  if (query.category != null) {
    if (CATEGORY_PATTERN.test(query.category)) checked.category = query.category;
    else {
      problems.push({
        path: 'query.category',
        reason:
          query.category === ''
            ? 'is empty'
            : `must match ${CATEGORY_PATTERN.source}, as decisions' categories do`,
      });
    }
  }
  if (query.tags != null) {
    if (query.tags.length > MAX_TAGS) {
      problems.push({
        path: 'query.tags',
        reason: `a decision has at most ${MAX_TAGS} tags; ${query.tags.length} given`,
      });
    }
    query.tags.forEach((tag, i) => {
      if (!TAG_PATTERN.test(tag)) {
        problems.push({
          path: `query.tags.${i}`,
          reason: tag === '' ? 'is empty' : `must match ${TAG_PATTERN.source}`,
        });
      }
    });
    checked.tags = [...new Set(query.tags)].sort();
  }
  if (query.text != null) {
    if (query.text.trim() === '') problems.push({ path: 'query.text', reason: 'is empty' });
    else if (query.text.length > MAX_SEARCH_TEXT) {
      problems.push({
        path: 'query.text',
        reason: `has ${query.text.length} characters; at most ${MAX_SEARCH_TEXT}`,
      });
    } else checked.text = query.text;
  }
  if (
    problems.length === 0 &&
    !checked.jurisdiction &&
    !checked.category &&
    checked.tags.length === 0 &&
    !checked.text
  ) {
    problems.push({ path: 'query', reason: 'give at least one of jurisdiction, category, tags and text' });
  }
  refuse(problems);
  return checked;
}

function refuse(problems: ErrorDetail[]): void {
  if (problems.length === 0) return;
  throw new BadUserInputError(
    `Invalid arguments: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
    problems,
  );
}

function pageSize(first: number | null | undefined): number {
  if (first == null) return PAGE_DEFAULT;
  if (!Number.isInteger(first) || first < 0) {
    refuse([{ path: 'first', reason: 'must be a non-negative integer' }]);
  }
  return Math.min(first, PAGE_MAX);
}

/** `_` is a LIKE wildcard and may occur in a jurisdiction (`%` and `\` may not, but are escaped too). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Which search a cursor belongs to: a page of one search is no position in another. */
function fingerprintOf(query: CheckedQuery): string {
  return createHash('sha256').update(canonicalJson(query)).digest('hex').slice(0, 16);
}

interface Position {
  treeSize: bigint;
  rank: number;
  citations: number;
  index: bigint;
}

/** Opaque to callers: the tree size the search reads, the hit's sort key, and the search's fingerprint. */
function writeCursor(position: Position, fingerprint: string): string {
  return encodeCursor([
    position.treeSize.toString(),
    position.rank,
    position.citations,
    position.index.toString(),
    fingerprint,
  ]);
}

function readCursor(cursor: string, fingerprint: string): Position {
  const [treeSize, rank, citations, index, of] = decodeCursor(cursor, 5);
  const invalid = () =>
    new BadUserInputError('Invalid pagination cursor: pass a cursor returned by this connection.', [
      { path: 'after', reason: 'not a cursor of this connection' },
    ]);
  if (
    typeof treeSize !== 'string' ||
    typeof index !== 'string' ||
    typeof rank !== 'number' ||
    !Number.isFinite(rank) ||
    rank < 0 ||
    typeof citations !== 'number' ||
    !Number.isInteger(citations) ||
    citations < 0 ||
    typeof of !== 'string'
  ) {
    throw invalid();
  }
  let position: Position;
  try {
    position = {
      treeSize: parseLedgerNumber(treeSize, 'after'),
      rank,
      citations,
      index: parseLedgerNumber(index, 'after'),
    };
  } catch {
    throw invalid();
  }
  if (position.index >= position.treeSize) throw invalid();
  if (of !== fingerprint) {
    throw new BadUserInputError(
      'This cursor belongs to another search: send it with the query it came from.',
      [{ path: 'after', reason: 'a cursor of a search with other conditions' }],
    );
  }
  return position;
}
