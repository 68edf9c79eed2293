import { TurnContext } from 'botbuilder';
import { actorOf, channelDataOf } from './activity';
import { RouteDeps } from './deps';

/**
 * Coordinators are the configured Entra object ids, and the members of the coordinators'
 * team: Teams lets only members act in a team's channels, so an action taken in that team
 * proves membership. Identity always comes from the activity, never from card data.
 */
export async function isCoordinator(context: TurnContext, deps: RouteDeps): Promise<boolean> {
  const { aadObjectId } = actorOf(context);
  if (aadObjectId && deps.config.coordinatorAadIds.includes(aadObjectId)) return true;
  const teamId = channelDataOf(context).team?.id;
  if (!teamId) return false;
  const channel = await deps.store.channels.coordinatorsChannel();
  return channel?.teamId === teamId;
}
