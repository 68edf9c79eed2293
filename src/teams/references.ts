import { TurnContext } from 'botbuilder';
import { ConversationUpsert, StoredReference } from '../store/conversations';
import { channelDataOf, channelIdOf, chosenLocaleOf, scopeOf, str } from './activity';
import { RouteDeps } from './deps';

/**
 * Every activity refreshes the stored reference of its conversation (service URLs change,
 * users come back after removing the bot), so later features can message anyone proactively.
 *
 * A channel is stored under its own id (channelData.channel.id), never under the thread an
 * activity came from: real Teams delivers every channel message in a thread
 * (`19:…;messageid=<n>`), while everything the bot posts on its own to a channel (approvals,
 * orders, digests) is a new post in the channel, addressed by the channel id.
 */
export async function rememberConversation(context: TurnContext, deps: RouteDeps): Promise<void> {
  const a = context.activity;
  if (!a.conversation?.id || !a.serviceUrl || !a.recipient?.id) return;
  const scope = scopeOf(context);
  const cd = channelDataOf(context);
  // Only well-typed values are stored: every later message to this conversation reads them
  // back (a locale that is not a string broke each later card), and a value with "$" keys
  // fails the write.
  const tenantId = str(a.conversation.tenantId) ?? cd.tenant?.id;
  const locale = str(a.locale);
  // A 1:1 chat is one user's: later messages there are in the language they chose, if they
  // did. Otherwise, and in group chats and channels, the client's locale is kept.
  const conversationLocale = (scope === 'personal' ? chosenLocaleOf(context) : undefined) ?? locale;
  const aad = str(a.from?.aadObjectId);
  const conversationId = channelIdOf(context) ?? a.conversation.id;
  const doc: ConversationUpsert = {
    _id: conversationId,
    scope,
    tenantId,
    teamId: cd.team?.id,
    userAadObjectId: scope === 'personal' ? aad?.toLowerCase() : undefined,
    locale: conversationLocale,
    reference: {
      bot: { id: a.recipient.id, name: str(a.recipient.name) },
      channelId: a.channelId,
      serviceUrl: a.serviceUrl,
      conversation: {
        id: conversationId,
        conversationType: str(a.conversation.conversationType),
        tenantId,
        isGroup: typeof a.conversation.isGroup === 'boolean' ? a.conversation.isGroup : undefined,
      },
      locale,
      // Names are not kept here: the reference only needs ids to reach the user.
      user: scope === 'personal' && a.from ? { id: a.from.id, aadObjectId: aad } : undefined,
    },
  };
  await deps.store.conversations.upsert(doc, deps.now());
  if (scope === 'channel' && cd.team?.id) {
    await deps.store.channels.recordChannel({ id: conversationId, teamId: cd.team.id, name: cd.channel?.name }, deps.now());
  }
}

/**
 * The reference of another channel of the same team, made from this activity's: the bot is
 * installed in a team (not in a channel), and Teams lets it post in any of the team's
 * channels with the same service URL and tenant. A team installation names only the General
 * channel, so without these the other channels would be unreachable until someone wrote to
 * the bot there.
 */
export function siblingChannel(context: TurnContext, channelId: string): ConversationUpsert | undefined {
  const a = context.activity;
  const cd = channelDataOf(context);
  if (scopeOf(context) !== 'channel' || !cd.team?.id || !a.serviceUrl || !a.recipient?.id) return undefined;
  const tenantId = str(a.conversation?.tenantId) ?? cd.tenant?.id;
  const reference: StoredReference = {
    bot: { id: a.recipient.id, name: str(a.recipient.name) },
    channelId: a.channelId,
    serviceUrl: a.serviceUrl,
    conversation: { id: channelId, conversationType: 'channel', tenantId, isGroup: true },
  };
  return { _id: channelId, scope: 'channel', tenantId, teamId: cd.team.id, reference };
}
