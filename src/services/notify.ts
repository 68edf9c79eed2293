import { AdaptiveCard, renderCard } from '../cards/render';
import { plainText } from '../cards/plainText';
import { Locale, MessageKey, pickLocale, t } from '../i18n';
import { ConversationDoc } from '../store/conversations';
import { OrderDoc } from '../store/orders';
import { NewOutboxItem } from '../store/outbox';
import { ServiceDeps } from './deps';
import { acceptedExpertViews, cardContext, message, orderSummaryCard } from './views';
import { coordinatorAlert } from './handlers';
import { isLiveOrder } from '../domain/orderLifecycle';

/**
 * The language of cards posted to (and updated in) the coordinators' channel: the one the
 * channel was marked in, so a card and its later updates never mix languages.
 */
export function coordinatorsLocale(deps: Pick<ServiceDeps, 'config'>, channel: { locale?: string } | null | undefined): Locale {
  return pickLocale(channel?.locale, deps.config.defaultLocale);
}

/**
 * The orderer's view of an order; accepted experts' contacts only in their 1:1 chat. `fresh`:
 * the order was placed by this very request and is still 'new' (not offered yet), so it has no
 * seats taken to read.
 */
export async function orderSummaryFor(deps: ServiceDeps, order: OrderDoc, locale: Locale, o: { heading: string; notice?: string; withContacts: boolean; fresh?: boolean }): Promise<AdaptiveCard> {
  const none = o.fresh && order.status === 'new';
  const assignments = none ? [] : (await deps.store.assignments.ofOrder(order._id)).filter((a) => a.status === 'accepted');
  const experts = o.withContacts ? acceptedExpertViews(await deps.store.experts.byIds(assignments.map((a) => a.expertId))) : [];
  return orderSummaryCard(order, locale, cardContext(deps), {
    heading: o.heading,
    notice: o.notice,
    noticeColor: 'Good',
    experts,
    canCancel: isLiveOrder(order.status),
    taken: assignments.length,
    lateCancelHours: deps.config.lateCancelHours,
  });
}

/**
 * Tells the orderer what happened, always in their 1:1 chat with the bot: the notices name
 * experts (with themes on the card, a name is health data) and the filled order carries their
 * contacts, and a group chat gets no expert's name, ever. An orderer who ordered from a group
 * chat and has no 1:1 chat yet gets one opened (ordererChat). When Teams refuses, the group chat
 * gets only a name-free notice asking the orderer to open a chat with the bot, and the
 * coordinators get the notice itself, so nothing is lost. `itemKey`: the outbox key naming the
 * event, so that running the same step again tells nobody twice.
 */
export async function notifyOrderer(deps: ServiceDeps, order: OrderDoc, key: MessageKey, params: Record<string, string | number>, itemKey: string): Promise<void> {
  const chat = await ordererChat(deps, order);
  if (chat.kind === 'none') {
    deps.log.warn({ orderId: order._id }, 'orderer cannot be reached');
    return;
  }
  if (chat.kind === 'group') {
    await tellOrdererUnreached(deps, order, chat.conversation, key, params, itemKey);
    return;
  }
  const target = chat.conversation;
  const locale = pickLocale(target.locale, deps.config.defaultLocale);
  const card = await orderSummaryFor(deps, order, locale, {
    heading: t(locale, 'order.heading.status'),
    notice: t(locale, key, params),
    withContacts: true,
  });
  await deps.postman.post([{ key: itemKey, conversationId: target._id, activity: message(card) }]);
}

type OrdererChat = { kind: 'personal'; conversation: ConversationDoc } | { kind: 'group'; conversation: ConversationDoc } | { kind: 'none' };

/**
 * The orderer's 1:1 chat with the bot: the one known, the chat the order came from if that was
 * 1:1, or one opened now through the group chat (or channel) the order came from, and stored
 * like any other 1:1 chat (so the next notice, reminder or feedback card finds it).
 * 'group' when it could not be opened: the caller must then say nothing personal there.
 */
async function ordererChat(deps: ServiceDeps, order: OrderDoc): Promise<OrdererChat> {
  const aad = order.orderer.aadObjectId;
  const personal = await deps.store.conversations.personalOf(aad);
  if (personal) return { kind: 'personal', conversation: personal };
  const origin = await deps.store.conversations.get(order.conversationId);
  if (!origin) return { kind: 'none' };
  if (origin.scope === 'personal') return { kind: 'personal', conversation: origin };
  if (!deps.personalChats) return { kind: 'group', conversation: origin };
  try {
    const reference = await deps.personalChats.openPersonalChat(origin.reference, { id: order.orderer.userId ?? aad, aadObjectId: aad });
    const tenantId = reference.conversation.tenantId ?? origin.tenantId;
    await deps.store.conversations.upsert(
      { _id: reference.conversation.id, scope: 'personal', tenantId, userAadObjectId: aad, locale: origin.locale, reference },
      deps.now(),
    );
    deps.log.info({ orderId: order._id }, "opened a personal chat with the orderer (the order came from a group chat)");
    const opened = await deps.store.conversations.get(reference.conversation.id);
    return opened ? { kind: 'personal', conversation: opened } : { kind: 'group', conversation: origin };
  } catch (error) {
    deps.log.warn({ orderId: order._id, err: (error as Error).name, status: (error as { statusCode?: number }).statusCode }, 'could not open a personal chat with the orderer');
    return { kind: 'group', conversation: origin };
  }
}

/**
 * The orderer has no 1:1 chat and none could be opened: their group chat hears only that there
 * is news and how to see it (no names, no contacts, no notice text), and the coordinators get
 * the notice itself to pass on.
 */
async function tellOrdererUnreached(deps: ServiceDeps, order: OrderDoc, group: ConversationDoc, key: MessageKey, params: Record<string, string | number>, itemKey: string): Promise<void> {
  const locale = pickLocale(group.locale, deps.config.defaultLocale);
  const items: NewOutboxItem[] = [{
    key: `${itemKey}:group-chat`,
    conversationId: group._id,
    activity: message(renderCard('notice', locale, { text: t(locale, 'orderer.openChat', { number: order._id }), tone: 'attention' })),
  }];
  const channel = await deps.store.channels.coordinatorsChannel();
  if (channel) {
    const cl = coordinatorsLocale(deps, channel);
    const text = t(cl, 'orderer.unreached', { number: order._id, title: plainText(order.title), orderer: plainText(order.orderer.name), notice: t(cl, key, params) });
    // The coordinator who took the order on is @mentioned: they are the one to pass it on.
    items.push({ key: `${itemKey}:unreached`, conversationId: channel.conversationId, activity: message(await coordinatorAlert(deps, order._id, cl, text)) });
  }
  await deps.postman.post(items);
}
