import { TeamsInfo, TurnContext } from 'botbuilder';
import { Locale, MessageKey, t } from '../i18n';
import { channelChanged, coordinatorsChannelOf, recordTeamChannel, setCoordinatorsChannel } from '../services/channels';
import { actorOf, channelDataOf, channelIdOf, scopeOf } from './activity';
import { RouteDeps } from './deps';
import { replyNotice, userLocale } from './kit';
import { siblingChannel } from './references';
import { activityTenants, inCoordinatorsChannel, isConfiguredCoordinator } from './roles';

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
      // The channel the event came from has its own, fuller reference already.
      const reference = ch.id === here ? undefined : siblingChannel(context, ch.id);
      await recordTeamChannel(deps, { id: ch.id, teamId, name: ch.name ?? undefined }, reference);
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
  await channelChanged(deps, { id: cd.channel.id, teamId: cd.team.id, name: cd.channel.name }, cd.eventType === 'channelDeleted');
}

/**
 * `coordinators channel` in a team channel makes it the coordinators' channel. Only a
 * configured coordinator (COORDINATOR_AAD_IDS) may set or move it: the channel decides where
 * approval cards with experts' contact details and themes go, and its members may act as
 * coordinators there. With no coordinator configured the bot says how to configure one.
 * The activity's tenant is recorded with it: the home tenant of the channel's members.
 */
export async function markCoordinatorsChannel(context: TurnContext, deps: RouteDeps): Promise<void> {
  const locale = userLocale(context, deps);
  const say = (key: MessageKey, tone: 'good' | 'attention') => replyNotice(context, t(locale, key), tone);
  const cd = channelDataOf(context);
  const actor = actorOf(context);
  if (deps.config.coordinatorAadIds.length === 0) {
    deps.log.warn({ action: 'coordinatorsChannel', actor: actor.aadObjectId }, 'refused: no coordinators configured');
    await say('channel.noCoordinatorsConfigured', 'attention');
    return;
  }
  // The channel itself, not the thread the command was typed in: cards become new posts.
  const channelId = channelIdOf(context);
  if (scopeOf(context) !== 'channel' || !cd.team?.id || !channelId) {
    await say('channel.onlyInTeam', 'attention');
    return;
  }
  const tenants = activityTenants(context);
  const home = deps.config.bot.tenantId?.toLowerCase();
  // A configured coordinator is known by the authenticated object id; the tenant markers must
  // not disagree with each other or with BOT_TENANT_ID.
  if (!isConfiguredCoordinator(context, deps) || tenants.length > 1 || (home && tenants[0] !== home)) {
    deps.log.warn({ action: 'coordinatorsChannel', actor: actor.aadObjectId }, 'refused: not a configured coordinator in the home tenant');
    await say('channel.notAllowed', 'attention');
    return;
  }
  await setCoordinatorsChannel(deps, { conversationId: channelId, teamId: cd.team.id, ...(tenants[0] ? { tenantId: tenants[0] } : {}) }, actor.aadObjectId!, locale);
  await say('channel.markedCoordinators', 'good');
}

/**
 * The language of a card answered in place: a card in the coordinators' channel keeps the
 * channel's language (it was posted in it, and everyone there reads the same card); anywhere
 * else the clicking user's own language.
 */
export async function replyLocaleOf(context: TurnContext, deps: RouteDeps): Promise<Locale> {
  const own = userLocale(context, deps);
  if (scopeOf(context) !== 'channel') return own;
  const coordinators = await coordinatorsChannelOf(deps);
  return coordinators && inCoordinatorsChannel(context, coordinators.channel) ? coordinators.locale : own;
}
