import { TeamsInfo, TurnContext } from 'botbuilder';
import { Locale, t } from '../i18n';
import { coordinatorsLocale } from '../services/notify';
import { CoordinatorsChannel } from '../store/channels';
import { actorOf, channelDataOf, channelIdOf, localeOf, scopeOf } from './activity';
import { cardAttachment, noticeCard } from '../cards/render';
import { RouteDeps } from './deps';
import { siblingChannel } from './references';

/**
 * On a team installation, record the team's channels so coordinators can pick one later, each
 * with a reference to post in it: real Teams installs the bot in the team and tells it about
 * the General channel only. The channel list comes from the Teams API; a client without it (or
 * a failure) still leaves the channel the event came from recorded by rememberConversation,
 * and any other channel is recorded when someone writes to the bot there.
 */
export async function recordTeamChannels(context: TurnContext, deps: RouteDeps): Promise<void> {
  const teamId = channelDataOf(context).team?.id;
  if (!teamId || scopeOf(context) !== 'channel') return;
  try {
    const channels = await TeamsInfo.getTeamChannels(context, teamId);
    const here = channelIdOf(context);
    for (const ch of channels) {
      if (!ch.id) continue;
      await deps.store.channels.recordChannel({ id: ch.id, teamId, name: ch.name ?? undefined }, deps.now());
      // The channel the event came from has its own, fuller reference already.
      const reference = ch.id === here ? undefined : siblingChannel(context, ch.id);
      if (reference) await deps.store.conversations.upsert(reference, deps.now());
    }
  } catch (error) {
    deps.log.warn({ teamId, err: (error as Error).message }, 'team channel list not available');
  }
}

/**
 * channelCreated / channelRenamed / channelDeleted keep the recorded list current (the event
 * arrives in the General channel and names the channel in channelData; rememberConversation
 * has stored that channel's reference). A deleted channel is no longer posted to.
 */
export async function onChannelEvent(context: TurnContext, deps: RouteDeps): Promise<void> {
  const cd = channelDataOf(context);
  if (!cd.team?.id || !cd.channel?.id) return;
  const deleted = cd.eventType === 'channelDeleted';
  await deps.store.channels.recordChannel({ id: cd.channel.id, teamId: cd.team.id, name: cd.channel.name }, deps.now(), deleted);
  if (deleted) await deps.store.conversations.markUnreachable(cd.channel.id, deps.now());
}

/**
 * `coordinators channel` in a team channel makes it the coordinators' channel. While none
 * is set anyone in a team may set it (bootstrap of a new deployment); after that only
 * configured coordinators may move it.
 */
export async function markCoordinatorsChannel(context: TurnContext, deps: RouteDeps): Promise<void> {
  const locale = localeOf(context, deps.config.defaultLocale);
  const cd = channelDataOf(context);
  if (scopeOf(context) !== 'channel' || !cd.team?.id) {
    await context.sendActivity({ attachments: [cardAttachment(noticeCard(t(locale, 'channel.onlyInTeam'), 'attention'))] });
    return;
  }
  const actor = actorOf(context);
  const current = await deps.store.channels.coordinatorsChannel();
  const isCoordinator = !!actor.aadObjectId && deps.config.coordinatorAadIds.includes(actor.aadObjectId);
  if (current && !isCoordinator) {
    deps.log.warn({ action: 'coordinatorsChannel', actor: actor.aadObjectId }, 'refused: not a coordinator');
    await context.sendActivity({ attachments: [cardAttachment(noticeCard(t(locale, 'channel.notAllowed'), 'attention'))] });
    return;
  }
  // The channel itself, not the thread the command was typed in: cards become new posts.
  const conversationId = channelIdOf(context) ?? context.activity.conversation.id;
  await deps.store.channels.setCoordinatorsChannel({ conversationId, teamId: cd.team.id }, actor.aadObjectId ?? actor.userId, deps.now(), locale);
  deps.log.info({ action: 'coordinatorsChannel', teamId: cd.team.id }, 'coordinators channel set');
  await context.sendActivity({ attachments: [cardAttachment(noticeCard(t(locale, 'channel.markedCoordinators'), 'good'))] });
}

/** Whether this activity happened in the coordinators' channel (any thread of it). */
export function inChannel(context: TurnContext, channel: CoordinatorsChannel | null | undefined): boolean {
  if (!channel || scopeOf(context) !== 'channel') return false;
  return channelIdOf(context) === channel.conversationId;
}

/**
 * The language of a card answered in place: a card in the coordinators' channel keeps the
 * channel's language (it was posted in it, and everyone there reads the same card); anywhere
 * else the clicking user's own language.
 */
export async function replyLocaleOf(context: TurnContext, deps: RouteDeps): Promise<Locale> {
  const own = localeOf(context, deps.config.defaultLocale);
  if (scopeOf(context) !== 'channel') return own;
  const channel = await deps.store.channels.coordinatorsChannel();
  return inChannel(context, channel) ? coordinatorsLocale(deps, channel) : own;
}
