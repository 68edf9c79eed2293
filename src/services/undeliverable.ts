import { renderCard } from '../cards/render';
import { plainText } from '../cards/plainText';
import { t } from '../i18n';
import { ServiceDeps } from './deps';
import { coordinatorsLocale } from './notify';
import { coordinatorAlert } from './handlers';
import { message } from './views';

/** An order number inside an outbox key (keys name the event: `offer:<order>:<expert>`, `order-filled:<order>:…`). */
const ORDER_IN_KEY = /T-\d{4}-\d{4,6}/;

/**
 * A message to `conversationId` will never be delivered (a permanent error, or retries used
 * up): a coordinator must know that someone could not be reached (e.g. they removed the bot).
 * Tells the coordinators' channel, with no names in it; nothing when the failed message was
 * the channel's own (there is nobody else to tell). When the message was about an order (its
 * outbox key names it: `offer:T-2026-0042:…`, `seat-taken:T-2026-0042:…`), the coordinator who
 * took that order on is @mentioned: they are the one to follow it up.
 */
export async function reportUndeliverable(deps: ServiceDeps, conversationId: string, itemKey?: string): Promise<void> {
  const channel = await deps.store.channels.coordinatorsChannel();
  if (!channel || channel.conversationId === conversationId) return;
  const channelConversationId = channel.conversationId;
  const conv = await deps.store.conversations.get(conversationId);
  const who = conv?.userAadObjectId ? (await deps.store.experts.get(conv.userAadObjectId))?.displayName : undefined;
  // In the language the coordinators' channel was marked in, like every card posted there.
  const locale = coordinatorsLocale(deps, channel);
  const text = t(locale, 'delivery.unreachable', { who: who === undefined ? (conv?.scope ?? conversationId) : plainText(who) });
  const orderId = itemKey ? ORDER_IN_KEY.exec(itemKey)?.[0] : undefined;
  const card = orderId ? await coordinatorAlert(deps, orderId, locale, text) : renderCard('notice', locale, { text, tone: 'attention' });
  await deps.postman.post([{ key: `unreachable:${conversationId}:${deps.now().getTime()}`, conversationId: channelConversationId, activity: message(card) }]);
}
