import { TurnContext } from 'botbuilder';
import { Locale, pickLocale } from '../i18n';
import { ConversationScope } from '../store/conversations';

/** Teams conversation kinds, as the bot sees them. */
export function scopeOf(context: TurnContext): ConversationScope {
  const type = context.activity.conversation?.conversationType;
  if (type === 'channel') return 'channel';
  if (type === 'groupChat') return 'groupChat';
  return 'personal';
}

export function localeOf(context: TurnContext, fallback: Locale): Locale {
  return pickLocale(context.activity.locale, fallback);
}

interface TeamsChannelData {
  tenant?: { id?: string };
  team?: { id?: string; name?: string; aadGroupId?: string };
  channel?: { id?: string; name?: string };
  eventType?: string;
}

export function channelDataOf(context: TurnContext): TeamsChannelData {
  const data = context.activity.channelData as unknown;
  return data && typeof data === 'object' ? (data as TeamsChannelData) : {};
}

/**
 * The acting user's Microsoft Entra object id. Identity always comes from the activity
 * that Teams (authenticated) delivered, never from card data.
 */
export function actorOf(context: TurnContext): { aadObjectId?: string; userId: string } {
  const from = context.activity.from ?? { id: '' };
  return { aadObjectId: from.aadObjectId?.toLowerCase(), userId: from.id };
}
