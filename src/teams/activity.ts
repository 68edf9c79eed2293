import { TurnContext } from 'botbuilder';
import { Locale, pickLocale } from '../i18n';
import { channelOfThread, ConversationScope } from '../store/conversations';

/** Teams conversation kinds, as the bot sees them. */
export function scopeOf(context: TurnContext): ConversationScope {
  const type = context.activity.conversation?.conversationType;
  if (type === 'channel') return 'channel';
  if (type === 'groupChat') return 'groupChat';
  return 'personal';
}

/** Where the turn keeps the user's language once resolved (src/teams/language.ts). */
export const USER_LOCALE = 'valittaja.userLocale';
/** …and the language the user chose themselves, if they did. */
export const CHOSEN_LOCALE = 'valittaja.chosenLocale';

/** The language the acting user chose (`kieli suomi`), or undefined: resolved once per turn. */
export function chosenLocaleOf(context: TurnContext): Locale | undefined {
  return context.turnState.get(CHOSEN_LOCALE) as Locale | undefined;
}

/**
 * The language to answer this user in. Resolved once per turn, before any route runs
 * (resolveUserLocale: the user's own choice, then the activity's locale, then DEFAULT_LOCALE);
 * `fallback` counts only for a turn that was never resolved (the database failed first).
 */
export function localeOf(context: TurnContext, fallback: Locale = 'fi'): Locale {
  const resolved = context.turnState.get(USER_LOCALE) as Locale | undefined;
  return resolved ?? pickLocale(str(context.activity.locale), fallback);
}

interface TeamsChannelData {
  tenant?: { id?: string };
  team?: { id?: string; name?: string; aadGroupId?: string };
  channel?: { id?: string; name?: string };
  eventType?: string;
}

/**
 * The parts of Teams' channelData the bot reads, with only string values kept: these ids go
 * into database filters (a `{"$ne": null}` channel id would match someone else's record).
 */
export function channelDataOf(context: TurnContext): TeamsChannelData {
  const data = context.activity.channelData as unknown;
  if (!data || typeof data !== 'object') return {};
  const d = data as Record<string, unknown>;
  const part = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined);
  const tenant = part(d.tenant);
  const team = part(d.team);
  const channel = part(d.channel);
  return {
    tenant: tenant && { id: str(tenant.id) },
    team: team && { id: str(team.id), name: str(team.name), aadGroupId: str(team.aadGroupId) },
    channel: channel && { id: str(channel.id), name: str(channel.name) },
    eventType: str(d.eventType),
  };
}

/**
 * The channel an activity in a team channel belongs to. Real Teams sends a channel message
 * with `conversation.id` = `19:…@thread.tacv2;messageid=<root>` (the thread it starts or
 * answers) and the channel itself in `channelData.channel.id`; a team installation event
 * names only the General channel, whose id is the conversation id (and the team id).
 * Undefined outside channels.
 */
export function channelIdOf(context: TurnContext): string | undefined {
  if (scopeOf(context) !== 'channel') return undefined;
  return channelDataOf(context).channel?.id ?? channelOfThread(str(context.activity.conversation?.id) ?? '');
}

/** A string field of an activity, or undefined: activities are JSON, and not every sender is Teams. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * The acting user's Microsoft Entra object id. Identity always comes from the activity
 * that Teams (authenticated) delivered, never from card data.
 */
export function actorOf(context: TurnContext): { aadObjectId?: string; userId: string } {
  const from = context.activity.from ?? { id: '' };
  return { aadObjectId: str(from.aadObjectId)?.toLowerCase(), userId: from.id };
}
