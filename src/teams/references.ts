import { TurnContext } from 'botbuilder';
import { ConversationUpsert } from '../store/conversations';
import { channelDataOf, chosenLocaleOf, scopeOf, str } from './activity';
import { RouteDeps } from './deps';

/**
 * Every activity refreshes the stored reference of its conversation (service URLs change,
 * users come back after removing the bot), so later features can message anyone proactively.
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
  const doc: ConversationUpsert = {
    _id: a.conversation.id,
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
        id: a.conversation.id,
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
    const channelId = cd.channel?.id ?? a.conversation.id.split(';')[0];
    await deps.store.channels.recordChannel({ id: channelId, teamId: cd.team.id, name: cd.channel?.name }, deps.now());
  }
}
