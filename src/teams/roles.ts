import { TeamsInfo, TurnContext } from 'botbuilder';
import { CoordinatorsChannel } from '../store/channels';
import { actorOf, channelDataOf, channelIdOf, scopeOf, str } from './activity';
import { RouteDeps } from './deps';

/**
 * Who is a coordinator, in one place. Every coordinator action (approve / reject experts,
 * brokering an order, `why`, `digest now`, `fees`, confirming an erasure, cancelling someone
 * else's order) asks `requireCoordinator`; moving the coordinators' channel and receiving the
 * payroll file ask `isConfiguredCoordinator`.
 *
 * - Configured coordinators (COORDINATOR_AAD_IDS, Entra object ids) are coordinators anywhere.
 * - Anyone else only inside the coordinators' channel itself (channelData.channel.id equals the
 *   stored channel: not another channel of the same team), only when the activity comes from
 *   the home tenant (BOT_TENANT_ID, else the tenant the channel was marked in by a configured
 *   coordinator), and only when Teams' roster says the person belongs to that tenant and is not
 *   a guest. The roster check is what keeps a shared channel safe: there conversation.tenantId
 *   and channelData.tenant.id name the HOST tenant for every participant, external ones too,
 *   so only the member's own record (TeamsChannelAccount.tenantId / userRole) tells them apart.
 *
 * Identity comes from the activity that Teams (authenticated) delivered, never from card data.
 */
export type CoordinatorCheck =
  | { ok: true; via: 'configured' | 'channel' }
  | { ok: false; reason: 'notConfigured' | 'elsewhere' | 'noHomeTenant' | 'foreignTenant' | 'notHomeMember' };

export function isConfiguredCoordinator(context: TurnContext, deps: Pick<RouteDeps, 'config'>): boolean {
  const { aadObjectId } = actorOf(context);
  return !!aadObjectId && deps.config.coordinatorAadIds.includes(aadObjectId);
}

/** The tenant ids the activity names for its conversation: conversation.tenantId and channelData.tenant.id. */
export function activityTenants(context: TurnContext): string[] {
  const conv = context.activity.conversation as unknown as Record<string, unknown> | undefined;
  const ids = [str(conv?.tenantId), channelDataOf(context).tenant?.id].filter((x): x is string => !!x);
  return [...new Set(ids.map((x) => x.toLowerCase()))];
}

/** The deployment's home tenant: BOT_TENANT_ID, else the one the coordinators' channel was marked in. */
export function homeTenantOf(deps: Pick<RouteDeps, 'config'>, channel: CoordinatorsChannel | null | undefined): string | undefined {
  return (deps.config.bot.tenantId ?? channel?.tenantId)?.toLowerCase();
}

/** Whether this activity happened in the coordinators' channel itself (any thread of it). */
export function inCoordinatorsChannel(context: TurnContext, channel: CoordinatorsChannel | null | undefined): boolean {
  if (!channel || scopeOf(context) !== 'channel') return false;
  return channelIdOf(context) === channel.conversationId;
}

export async function checkCoordinator(context: TurnContext, deps: RouteDeps): Promise<CoordinatorCheck> {
  if (isConfiguredCoordinator(context, deps)) return { ok: true, via: 'configured' };
  const channel = await deps.store.channels.coordinatorsChannel();
  if (!inCoordinatorsChannel(context, channel)) return { ok: false, reason: deps.config.coordinatorAadIds.length === 0 && !channel ? 'notConfigured' : 'elsewhere' };
  const home = homeTenantOf(deps, channel);
  if (!home) return { ok: false, reason: 'noHomeTenant' };
  const tenants = activityTenants(context);
  if (tenants.length === 0 || tenants.some((x) => x !== home)) return { ok: false, reason: 'foreignTenant' };
  // Some payloads carry the sender's own tenant on `from` as well: it must agree.
  const fromTenant = str((context.activity.from as unknown as Record<string, unknown> | undefined)?.tenantId);
  if (fromTenant && fromTenant.toLowerCase() !== home) return { ok: false, reason: 'foreignTenant' };
  return (await isHomeMember(context, channel!, home, deps)) ? { ok: true, via: 'channel' } : { ok: false, reason: 'notHomeMember' };
}

/**
 * The sender's own roster record in the coordinators' channel: Teams answers with the member's
 * tenant and role. External (cross-tenant) members of a shared channel have another tenantId;
 * guests and anonymous users have that userRole. No answer (not a member, or the roster API
 * failed) refuses: the role is never granted on a guess.
 */
async function isHomeMember(context: TurnContext, channel: CoordinatorsChannel, home: string, deps: RouteDeps): Promise<boolean> {
  const from = context.activity.from;
  if (!from?.id || !from.aadObjectId) return false;
  try {
    // getTeamMember asks GET /v3/conversations/{id}/members/{userId}; given the channel's id it
    // reads the channel's roster (a shared channel's includes its external members).
    const member = await TeamsInfo.getTeamMember(context, channel.conversationId, from.id);
    const tenant = str(member?.tenantId)?.toLowerCase();
    const role = str(member?.userRole);
    // Looked up by the sender's id; an object id in the answer, if any, must be the sender's too.
    const objectId = (str(member?.aadObjectId) ?? str((member as unknown as Record<string, unknown>)?.objectId))?.toLowerCase();
    const sameUser = !objectId || objectId === from.aadObjectId.toLowerCase();
    return sameUser && tenant === home && role !== 'guest' && role !== 'anonymous';
  } catch (error) {
    deps.log.warn({ action: 'coordinatorRoster', err: (error as Error).name }, 'roster lookup failed; coordinator role refused');
    return false;
  }
}

/** Whether the actor may act as a coordinator here (no logging: for routes that allow others too). */
export async function isCoordinator(context: TurnContext, deps: RouteDeps): Promise<boolean> {
  return (await checkCoordinator(context, deps)).ok;
}

/**
 * The guard of every coordinator action: true when allowed; otherwise logs the refusal (ids
 * and the reason only) and returns false for the route to answer "not allowed".
 */
export async function requireCoordinator(context: TurnContext, deps: RouteDeps, action: string): Promise<boolean> {
  const check = await checkCoordinator(context, deps);
  if (!check.ok) deps.log.warn({ action, actor: actorOf(context).aadObjectId, reason: check.reason }, 'refused: not a coordinator');
  return check.ok;
}
