import { TurnContext } from 'botbuilder';
import { ConversationUpsert } from '../store/conversations';
import { channelDataOf, scopeOf } from './activity';
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
  const tenantId = a.conversation.tenantId ?? cd.tenant?.id;
  const doc: ConversationUpsert = {
    _id: a.conversation.id,
    scope,
    tenantId,
    teamId: cd.team?.id,
    userAadObjectId: scope === 'personal' ? a.from?.aadObjectId?.toLowerCase() : undefined,
    locale: a.locale,
    reference: {
      bot: { id: a.recipient.id, name: a.recipient.name },
      channelId: a.channelId,
      serviceUrl: a.serviceUrl,
      conversation: {
        id: a.conversation.id,
        conversationType: a.conversation.conversationType,
        tenantId,
        isGroup: a.conversation.isGroup,
      },
      locale: a.locale,
      // Names are not kept here: the reference only needs ids to reach the user.
      user: scope === 'personal' && a.from ? { id: a.from.id, aadObjectId: a.from.aadObjectId } : undefined,
    },
  };
  await deps.store.conversations.upsert(doc, deps.now());
  if (scope === 'channel' && cd.team?.id) {
    const channelId = cd.channel?.id ?? a.conversation.id.split(';')[0];
    await deps.store.channels.recordChannel({ id: channelId, teamId: cd.team.id, name: cd.channel?.name }, deps.now());
  }
}
