import { isUuid, newId } from '@ecp/db/ids';
import {
  BadUserInputError,
  ConflictError,
  type ErrorDetail,
  ForbiddenError,
  NotFoundError,
} from '@ecp/errors/errors';
import { hasRole } from '@ecp/identity/principal';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import type { OperationsServiceDeps } from '../../context';
import { resolveAlert } from '../alerts/alert-sink';
import { type Environment, EnvironmentEntity, type HealthRun, HealthRunEntity } from './health.entities';
import { checkAllEnvironments, HEALTH_ALERT_RULES } from './health-checks';
import { ConditionSyntaxError, parseCondition } from './health-condition';

export interface RegisterEnvironmentInput {
  name: string;
  url: string;
  method?: string | null;
  expectedStatus?: number | null;
  latencyObjectiveMs?: number | null;
  conditions?: readonly string[] | null;
  failThreshold?: number | null;
  successThreshold?: number | null;
}

/** An environment's uptime: the share of its checks that passed, null without checks in the window. */
export interface Uptime {
  day: number | null;
  week: number | null;
}

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export const MAX_CONDITIONS = 20;
export const MAX_HISTORY = 100;

/**
 * Environment health checks: operators register environments and run the checks at once; analysts,
 * operators and admins read their status, uptime and history. The scheduled job runs the same checks.
 */
export class HealthService {
  constructor(private readonly deps: OperationsServiceDeps) {}

  private mayOperate(what: string): void {
    if (!hasRole(this.deps.principal, 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError(`${what} needs the OPERATOR or ADMIN role.`);
    }
  }

  /** Environments are operations data: analysts, operators and admins read them; agents do not. */
  checkMayRead(): void {
    if (!hasRole(this.deps.principal, 'ANALYST', 'OPERATOR', 'ADMIN')) {
      throw new ForbiddenError('Environments are visible to analysts, operators and admins.');
    }
  }

  /**
   * Registers an environment after checking all of it (its URL http or https, each condition parsed):
   * BAD_USER_INPUT naming every problem, CONFLICT for a name taken; nothing is stored on either.
   */
  async register(input: RegisterEnvironmentInput): Promise<Environment> {
    this.mayOperate('Registering an environment');
    const problems: ErrorDetail[] = [];
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) {
      problems.push({ path: 'input.name', reason: 'must be 1 to 100 characters' });
    }
    problems.push(...urlProblems(input.url));
    const method = (input.method ?? 'GET').toUpperCase();
    if (!(HTTP_METHODS as readonly string[]).includes(method)) {
      problems.push({ path: 'input.method', reason: `must be one of ${HTTP_METHODS.join(', ')}` });
    }
    const expectedStatus = input.expectedStatus ?? 200;
    if (!Number.isInteger(expectedStatus) || expectedStatus < 100 || expectedStatus > 599) {
      problems.push({ path: 'input.expectedStatus', reason: 'must be an HTTP status, 100 to 599' });
    }
    const timeoutMs = this.deps.runtime.settings.HEALTH_CHECK_TIMEOUT_MS;
    const objective = input.latencyObjectiveMs ?? null;
    if (objective !== null && (objective < 1 || objective > timeoutMs)) {
      problems.push({
        path: 'input.latencyObjectiveMs',
        reason: `must be 1 to ${timeoutMs} ms (the check's timeout)`,
      });
    }
    const conditions = (input.conditions ?? []).map((c) => c.trim());
    if (conditions.length > MAX_CONDITIONS) {
      problems.push({ path: 'input.conditions', reason: `at most ${MAX_CONDITIONS} conditions` });
    }
    conditions.forEach((condition, i) => {
      if (condition.length > 500) {
        problems.push({ path: `input.conditions.${i}`, reason: 'at most 500 characters' });
        return;
      }
      try {
        parseCondition(condition);
      } catch (err) {
        if (!(err instanceof ConditionSyntaxError)) throw err;
        problems.push({ path: `input.conditions.${i}`, reason: err.message });
      }
    });
    if (method === 'HEAD' && conditions.length > 0) {
      problems.push({
        path: 'input.conditions',
        reason: 'are on the body, which a HEAD request has none of',
      });
    }
    const failThreshold = input.failThreshold ?? 3;
    const successThreshold = input.successThreshold ?? 1;
    for (const [path, value] of [
      ['input.failThreshold', failThreshold],
      ['input.successThreshold', successThreshold],
    ] as const) {
      if (value < 1 || value > 100) problems.push({ path, reason: 'must be 1 to 100 checks in a row' });
    }
    if (problems.length > 0) {
      throw new BadUserInputError(
        `Invalid environment: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
        problems,
      );
    }
    const { em, principal, logger } = this.deps;
    const environment = em.create(EnvironmentEntity, {
      id: newId(),
      name,
      url: input.url,
      method,
      expectedStatus,
      latencyObjectiveMs: objective,
      conditions,
      failThreshold,
      successThreshold,
      status: 'UNKNOWN',
      consecutiveFailures: 0,
      consecutiveSuccesses: 0,
      lastCheckedAt: null,
      certificateExpiresAt: null,
      createdBy: principal.id,
      createdAt: this.deps.runtime.now(),
    });
    try {
      await em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new ConflictError(`An environment is already named ${name}.`, [
          { path: 'input.name', reason: 'already taken' },
        ]);
      }
      throw err;
    }
    logger.info({ environment: name, url: input.url }, 'environment registered');
    return environment;
  }

  /**
   * Stops checking an environment; its history goes with it, and its alerts still firing are resolved
   * (nothing would resolve them later). NOT_FOUND when there is none.
   */
  async remove(id: string): Promise<string> {
    this.mayOperate('Removing an environment');
    const environment = await this.get(id);
    const { em, outbox, runtime } = this.deps;
    await em.transactional(async (tx) => {
      await tx.nativeDelete(EnvironmentEntity, { id: environment.id });
      const labels = { environment: environment.name };
      for (const rule of HEALTH_ALERT_RULES) await resolveAlert({ tx, outbox, runtime }, rule, labels);
    });
    this.deps.logger.info({ environment: environment.name }, 'environment removed');
    return environment.id;
  }

  /** Checks every environment now (what the scheduled job does); this run's results. */
  async checkNow(): Promise<HealthRun[]> {
    this.mayOperate('Checking environments');
    const { em, outbox, runtime, logger } = this.deps;
    return checkAllEnvironments({ em, outbox, runtime, logger });
  }

  /** Every environment, by name. */
  async list(): Promise<Environment[]> {
    this.checkMayRead();
    return this.deps.em.find(EnvironmentEntity, {}, { orderBy: { name: 'asc' } });
  }

  async get(id: string): Promise<Environment> {
    this.checkMayRead();
    if (!isUuid(id)) {
      throw new BadUserInputError(`"${id}" is not an environment id.`, [
        { path: 'id', reason: 'must be a UUID' },
      ]);
    }
    const environment = await this.deps.em.findOne(EnvironmentEntity, { id });
    if (!environment) throw new NotFoundError(`No environment has id ${id}.`);
    return environment;
  }

  /** The environment an event or another subgraph names (federation `_entities`). */
  async findForReference(id: string): Promise<Environment | null> {
    this.checkMayRead();
    return isUuid(id) ? this.environmentLoader.load(id) : null;
  }

  private readonly environmentLoader = new DataLoader<string, Environment | null>(async (ids) => {
    const found = await this.deps.em.find(EnvironmentEntity, { id: { $in: [...ids] } });
    const byId = new Map(found.map((e) => [e.id, e]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  /** The environment a run belongs to (null if it was removed since). */
  environmentOf(run: HealthRun): Promise<Environment | null> {
    return this.environmentLoader.load(run.environmentId);
  }

  /** Uptime over 24 hours and 7 days, for all environments asked in one request at once. */
  uptime(environment: Environment): Promise<Uptime> {
    return this.uptimeLoader.load(environment.id);
  }

  private readonly uptimeLoader = new DataLoader<string, Uptime>(async (ids) => {
    const now = this.deps.runtime.now();
    const rows = await this.deps.em
      .getConnection()
      .execute<{ environment_id: string; day: string | null; week: string | null }[]>(
        `select environment_id,
              avg(case when ok then 1.0 else 0.0 end) filter (where at > ?::timestamptz - interval '24 hours') as day,
              avg(case when ok then 1.0 else 0.0 end) as week
       from operations.health_run
       where environment_id = any(?::uuid[]) and at > ?::timestamptz - interval '7 days' and at <= ?::timestamptz
       group by environment_id`,
        [now, `{${ids.join(',')}}`, now, now],
      );
    const byId = new Map(rows.map((r) => [r.environment_id, r]));
    return ids.map((id) => {
      const row = byId.get(id);
      return {
        day: row?.day == null ? null : Number(row.day),
        week: row?.week == null ? null : Number(row.week),
      };
    });
  });

  /** An environment's newest runs, newest first (1 to 100). */
  async history(environment: Environment, first: number): Promise<HealthRun[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_HISTORY) {
      throw new BadUserInputError(`first must be 1 to ${MAX_HISTORY}.`, [
        { path: 'first', reason: `must be 1 to ${MAX_HISTORY}` },
      ]);
    }
    return this.historyLoader.load(`${first}:${environment.id}`);
  }

  // Keyed `<first>:<id>`: one query per page size asked in a request, every environment in it.
  private readonly historyLoader = new DataLoader<string, HealthRun[]>(async (keys) => {
    const bySize = new Map<number, string[]>();
    for (const key of keys) {
      const [first, id] = key.split(':') as [string, string];
      bySize.set(Number(first), [...(bySize.get(Number(first)) ?? []), id]);
    }
    const runs = new Map<string, HealthRun[]>();
    for (const [first, ids] of bySize) {
      const ranked = await this.deps.em.getConnection().execute<{ id: string }[]>(
        `select id from (
           select id, row_number() over (partition by environment_id order by at desc, id desc) as place
           from operations.health_run where environment_id = any(?::uuid[])) ranked
         where place <= ?`,
        [`{${ids.join(',')}}`, first],
      );
      const found = await this.deps.em.find(
        HealthRunEntity,
        { id: { $in: ranked.map((r) => r.id) } },
        { orderBy: { at: 'desc', id: 'desc' } },
      );
      for (const run of found) {
        const key = `${first}:${run.environmentId}`;
        runs.set(key, [...(runs.get(key) ?? []), run]);
      }
    }
    return keys.map((key) => runs.get(key) ?? []);
  });
}

function urlProblems(url: string): ErrorDetail[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [{ path: 'input.url', reason: 'must be an absolute http or https URL' }];
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return [{ path: 'input.url', reason: `must be http or https, not ${parsed.protocol.replace(/:$/, '')}` }];
  }
  // The URL is shown in the graph and in alerts: it must not carry a secret.
  if (parsed.username || parsed.password) {
    return [{ path: 'input.url', reason: 'must not carry credentials' }];
  }
  if (url.length > 2000) return [{ path: 'input.url', reason: 'at most 2000 characters' }];
  return [];
}
