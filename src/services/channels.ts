import { Locale } from '../i18n';
import { CoordinatorsChannel } from '../store/channels';
import { ConversationUpsert } from '../store/conversations';
import { ServiceDeps } from './deps';
import { coordinatorsLocale } from './notify';

/**
 * The team channels the bot knows (so coordinators can pick one, and cards can be posted in
 * them) and the coordinators' channel. Teams' own calls (the channel list, the activity's
 * reference) stay in teams/channels.ts; what is recorded, and when, is here.
 */

/** A channel of a team as Teams reported it; `deleted` when Teams says it is gone. */
export interface TeamChannel {
  id: string;
  teamId: string;
  name?: string;
}

/**
 * Records one channel of a team the bot is installed in, with a reference to post in it when
 * the route could build one (the channel the event came from already has its own, fuller one).
 */
export async function recordTeamChannel(deps: ServiceDeps, channel: TeamChannel, reference?: ConversationUpsert): Promise<void> {
  await deps.store.channels.recordChannel(channel, deps.now());
  if (reference) await deps.store.conversations.upsert(reference, deps.now());
}

/**
 * A channel created, renamed or deleted: the recorded list follows. A deleted channel is no
 * longer posted to.
 */
export async function channelChanged(deps: ServiceDeps, channel: TeamChannel, deleted: boolean): Promise<void> {
  await deps.store.channels.recordChannel(channel, deps.now(), deleted);
  if (deleted) await deps.store.conversations.markUnreachable(channel.id, deps.now());
}

/**
 * Makes a channel the coordinators' channel (the caller has checked that a configured
 * coordinator in the home tenant asked). Its cards are written in `locale`.
 */
export async function setCoordinatorsChannel(deps: ServiceDeps, channel: CoordinatorsChannel, by: string, locale: Locale): Promise<void> {
  await deps.store.channels.setCoordinatorsChannel(channel, by, deps.now(), locale);
  deps.log.info({ action: 'coordinatorsChannel', teamId: channel.teamId }, 'coordinators channel set');
}

/** The coordinators' channel, if one is set, with the language its cards are written in. */
export async function coordinatorsChannelOf(deps: ServiceDeps): Promise<{ channel: CoordinatorsChannel; locale: Locale } | null> {
  const channel = await deps.store.channels.coordinatorsChannel();
  return channel && { channel, locale: coordinatorsLocale(deps, channel) };
}
