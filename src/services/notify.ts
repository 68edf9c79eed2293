import { AdaptiveCard, renderCard } from '../cards/render';
import { plainText } from '../cards/plainText';
import { Locale, MessageKey, pickLocale, t } from '../i18n';
import { OfferStatus } from '../store/offers';
import { ConversationDoc } from '../store/conversations';
import { OrderDoc } from '../store/orders';
import { NewOutboxItem } from '../store/outbox';
import { ServiceDeps } from './deps';
import { acceptedExpertViews, message, orderSummaryCard, statusText, taskFacts } from './views';

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
  return orderSummaryCard(order, locale, {
    catalog: deps.catalog,
    timeZone: deps.config.timeZone,
    heading: o.heading,
    notice: o.notice,
    noticeColor: 'Good',
    experts,
    canCancel: ['new', 'offering', 'filled'].includes(order.status),
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
    items.push({ key: `${itemKey}:unreached`, conversationId: channel.conversationId, activity: message(renderCard('notice', cl, { text, tone: 'attention' })) });
  }
  await deps.postman.post(items);
}

/** What the coordinators' card says about finding experts for an order still open. */
export type BrokeringOutlook = 'suggestions' | 'waiting' | 'nobodyLeft' | 'closed';

/**
 * Where finding experts stands: suggestions to offer to; everyone suitable offered and answers
 * awaited; nobody suitable left with seats still free (the coordinator must act); or the order
 * no longer open (filled, cancelled, done, closed unfilled: no offering actions).
 */
export function brokeringOutlook(status: OrderDoc['status'], suggestions: number, offered: { status: OfferStatus }[], taken: number, seats: number): BrokeringOutlook {
  if (!['new', 'offering'].includes(status) || taken >= seats) return 'closed';
  if (suggestions > 0) return 'suggestions';
  return offered.some((o) => o.status === 'open') ? 'waiting' : 'nobodyLeft';
}

/** The coordinators' card of an order: details, status, the answers so far and the ranked suggestions. */
export function brokeringCard(
  deps: ServiceDeps,
  order: OrderDoc,
  locale: Locale,
  o: { suggestions: { expertId: string; name: string; recent: number }[]; offered?: OfferedView[]; taken: number; notice?: string },
): AdaptiveCard {
  const facts = taskFacts(order, locale, { catalog: deps.catalog, timeZone: deps.config.timeZone, forCoordinator: true });
  facts.push({ label: t(locale, 'label.status'), value: statusText(order, o.taken, locale) });
  const offered = o.offered ?? [];
  const outlook = brokeringOutlook(order.status, o.suggestions.length, offered, o.taken, order.seats);
  const top = Math.min(deps.config.waveSize, o.suggestions.length);
  const data: Record<string, unknown> = {
    heading: t(locale, `order.brokeringHeading.${order.status}` as MessageKey),
    number: order._id,
    title: plainText(order.title),
    facts,
    outlook,
    suggestions: outlook === 'suggestions' ? o.suggestions.slice(0, 10).map((s) => ({ expertId: s.expertId, name: plainText(s.name), detail: t(locale, 'recent.count', { count: s.recent }) })) : [],
    ...offeredView(offered, locale),
    showActions: outlook === 'suggestions',
    offerTopTitle: t(locale, 'order.offerTop', { count: top }),
  };
  if (outlook === 'waiting') data.outlookText = t(locale, 'order.outlook.waiting');
  if (outlook === 'nobodyLeft') data.outlookText = t(locale, 'order.outlook.nobodyLeft', { free: order.seats - o.taken });
  if (o.notice) {
    data.notice = o.notice;
    data.noticeColor = 'Default';
  }
  return renderCard('order-brokering', locale, data);
}

/** `fresh`: the order was stored a moment ago (no offers, no seats taken: two reads fewer per order placed). */
export async function brokeringCardFor(deps: ServiceDeps, order: OrderDoc, locale: Locale, notice?: string, o: { fresh?: boolean } = {}): Promise<AdaptiveCard> {
  // Imported here to keep the module graph one-way (offering → notify).
  const { matchContext } = await import('./offering');
  const { rankCandidates } = await import('../domain/matching');
  const { ctx, experts, offers } = await matchContext(deps, order, o);
  const ranked = rankCandidates(experts, order, ctx, deps.rng);
  const taken = o.fresh ? 0 : await deps.store.assignments.countLive(order._id);
  // Who was offered the task, and how it stands: the suggestions leave them out.
  const names = new Map(experts.map((e) => [e._id, e.displayName]));
  const unnamed = offers.filter((o) => !names.has(o.expertId)).map((o) => o.expertId);
  for (const e of unnamed.length > 0 ? await deps.store.experts.byIds(unnamed) : []) names.set(e._id, e.displayName);
  return brokeringCard(deps, order, locale, {
    suggestions: ranked.map((e) => ({ expertId: e._id, name: e.displayName, recent: ctx.recentAssignments.get(e._id) ?? 0 })),
    offered: offers.map((o) => ({ name: names.get(o.expertId) ?? '–', status: o.status, declineReason: o.declineReason })),
    taken,
    notice,
  });
}

/** Names listed on the card at most; a larger wave is summed up by status (a card must stay small). */
const OFFERED_LISTED = 12;

/** One expert an order was offered to, as the coordinators see it. */
export interface OfferedView {
  name: string;
  status: OfferStatus;
  /** What the expert wrote when declining, meant only for the coordinators. */
  declineReason?: string;
}

/**
 * Whom an order was offered to: each name with its answer (a decline with its reason, marked
 * as meant only for the coordinators) when there are few; otherwise the count per answer and
 * only the names that took the task (or withdrew) or gave a reason.
 */
function offeredView(offered: OfferedView[], locale: Locale): { offered: { name: string; status: string }[]; offeredSummary?: string } {
  const line = (x: OfferedView) => ({
    name: plainText(x.name),
    status: x.status === 'declined' && x.declineReason
      ? t(locale, 'order.declinedWithReason', { reason: plainText(x.declineReason) })
      : t(locale, `offerStatus.${x.status}` as MessageKey),
  });
  if (offered.length <= OFFERED_LISTED) return { offered: offered.map(line) };
  const counts = new Map<OfferStatus, number>();
  for (const x of offered) counts.set(x.status, (counts.get(x.status) ?? 0) + 1);
  return {
    offered: offered.filter((x) => x.status === 'accepted' || x.status === 'withdrawn' || x.declineReason).slice(0, OFFERED_LISTED).map(line),
    offeredSummary: [...counts].map(([status, n]) => `${n} ${t(locale, `offerStatus.${status}` as MessageKey)}`).join(' · '),
  };
}

/**
 * Posts (first time) or updates in place the order's card in the coordinators' channel, with
 * an optional notice (a message key, written in the channel's language like the card). `fresh`:
 * the order was stored a moment ago (see brokeringCardFor).
 */
export async function brokeringUpdate(deps: ServiceDeps, order: OrderDoc, notice?: { key: MessageKey; params?: Record<string, string | number> }, o: { fresh?: boolean; key?: string } = {}): Promise<void> {
  const channel = await deps.store.channels.coordinatorsChannel();
  if (!channel) return;
  const locale = coordinatorsLocale(deps, channel);
  const card = await brokeringCardFor(deps, order, locale, notice && t(locale, notice.key, notice.params), o);
  const firstKey = `brokering:${order._id}`;
  // A fresh order's card is its first (enqueueing the key again would be a no-op anyway).
  if (o.fresh || !(await deps.store.outbox.has(firstKey))) {
    await deps.postman.post([{ key: firstKey, conversationId: channel.conversationId, activity: message(card) }]);
  } else {
    await deps.postman.post([{ key: `${firstKey}:update:${o.key ?? deps.now().getTime()}`, conversationId: channel.conversationId, op: 'update', updateOf: firstKey, activity: message(card) }]);
  }
}
