import { isUuid, newId } from '@ecp/db/ids';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@ecp/errors/errors';
import { hasRole } from '@ecp/identity/principal';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { OperationsServiceDeps } from '../../context';
import { type Channel, ChannelEntity, type ChannelKind } from './channel.entity';
import { channelTargetProblems, type Problem } from './channel-targets';

export interface DefineChannelInput {
  name: string;
  kind: ChannelKind;
  target: string;
}

const CHANNEL_KINDS: readonly ChannelKind[] = ['EMAIL', 'SLACK', 'GITHUB'];

function refuse(what: string, problems: Problem[]): void {
  if (problems.length > 0) {
    throw new BadUserInputError(
      `${what}: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}.`,
      problems,
    );
  }
}

/**
 * The channels notifications go to. Admins define and switch them; operators and analysts see them,
 * a Slack channel's webhook URL never (see `shownTarget`).
 */
export class ChannelService {
  constructor(
    private readonly deps: Pick<OperationsServiceDeps, 'em' | 'principal' | 'logger' | 'runtime'>,
  ) {}

  /** Defines a channel (ADMIN). Its name is unique; its target is checked for its kind. */
  async define(input: DefineChannelInput): Promise<Channel> {
    this.requireAdmin('Defining channels');
    const name = input.name.trim();
    const target = input.target.trim();
    const problems: Problem[] = [];
    if (name.length < 1 || name.length > 100) {
      problems.push({ path: 'input.name', reason: 'must be 1 to 100 characters' });
    }
    if (!CHANNEL_KINDS.includes(input.kind)) {
      problems.push({ path: 'input.kind', reason: 'must be EMAIL, SLACK or GITHUB' });
    } else {
      problems.push(...channelTargetProblems(input.kind, target));
    }
    refuse('Invalid channel', problems);
    const { em, principal, runtime, logger } = this.deps;
    const channel = em.create(ChannelEntity, {
      id: newId(),
      name,
      kind: input.kind,
      target,
      enabled: true,
      createdBy: principal.id,
      createdAt: runtime.now(),
    });
    try {
      await em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new ConflictError(`A channel named "${name}" exists already.`, [
          { path: 'input.name', reason: 'already used' },
        ]);
      }
      throw err;
    }
    // The target is not logged: a Slack webhook URL is a credential.
    logger.info({ channelId: channel.id, name, kind: channel.kind }, 'channel defined');
    return channel;
  }

  /** Switches a channel on or off (ADMIN): a channel that is off is sent nothing new. */
  async setEnabled(id: string, enabled: boolean): Promise<Channel> {
    this.requireAdmin('Switching channels');
    if (!isUuid(id)) {
      throw new BadUserInputError(`"${id}" is not a channel id.`, [{ path: 'id', reason: 'must be a UUID' }]);
    }
    const { em, logger } = this.deps;
    const channel = await em.findOne(ChannelEntity, { id });
    if (!channel) throw new NotFoundError(`No channel ${id}.`);
    if (channel.enabled !== enabled) {
      channel.enabled = enabled;
      await em.flush();
      logger.info({ channelId: id, name: channel.name, enabled }, 'channel switched');
    }
    return channel;
  }

  /** Every channel by name (OPERATOR, ADMIN, ANALYST). */
  async list(): Promise<Channel[]> {
    if (!hasRole(this.deps.principal, 'OPERATOR', 'ADMIN', 'ANALYST')) {
      throw new ForbiddenError('Channels are visible to operators, admins and analysts.');
    }
    return this.deps.em.find(ChannelEntity, {}, { orderBy: { name: 'asc' } });
  }

  private requireAdmin(what: string): void {
    if (!hasRole(this.deps.principal, 'ADMIN')) throw new ForbiddenError(`${what} needs the ADMIN role.`);
  }
}
