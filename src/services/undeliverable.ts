import { renderCard } from '../cards/render';
import { plainText } from '../cards/plainText';
import { t } from '../i18n';
import { ServiceDeps } from './deps';
import { coordinatorsLocale } from './notify';
import { message } from './views';

/** Tells the coordinators' channel that a conversation could not be reached (no names in it). */
export async function reportUndeliverable(deps: ServiceDeps, conversationId: string, channelConversationId: string): Promise<void> {
  const conv = await deps.store.conversations.get(conversationId);
  const who = conv?.userAadObjectId ? (await deps.store.experts.get(conv.userAadObjectId))?.displayName : undefined;
  // In the language the coordinators' channel was marked in, like every card posted there.
  const channel = await deps.store.channels.coordinatorsChannel();
  const locale = coordinatorsLocale(deps, channel?.conversationId === channelConversationId ? channel : null);
  const text = t(locale, 'delivery.unreachable', { who: who === undefined ? (conv?.scope ?? conversationId) : plainText(who) });
  await deps.postman.post([{ key: `unreachable:${conversationId}:${deps.now().getTime()}`, conversationId: channelConversationId, activity: message(renderCard('notice', locale, { text, tone: 'attention' })) }]);
}
