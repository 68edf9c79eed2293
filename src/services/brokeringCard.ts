import { AdaptiveCard, renderCard } from '../cards/render';
import { plainText } from '../cards/plainText';
import { rankCandidates } from '../domain/matching';
import { Locale, MessageKey, t } from '../i18n';
import { OfferStatus } from '../store/offers';
import { OrderDoc } from '../store/orders';
import { ServiceDeps } from './deps';
import { coordinatorsLocale } from './notify';
import { matchContext } from './ranking';
import { message, taskFacts } from './views';
import { isOpenOrder } from '../domain/orderLifecycle';

/** The coordinators' card of an order: details, status and the ranked suggestions. */
export function brokeringCard(
  deps: ServiceDeps,
  order: OrderDoc,
  locale: Locale,
  o: { suggestions: { expertId: string; name: string; recent: number }[]; offered?: { name: string; status: OfferStatus }[]; taken: number; notice?: string },
): AdaptiveCard {
  const facts = taskFacts(order, locale, { catalog: deps.catalog, timeZone: deps.config.timeZone, forCoordinator: true });
  facts.push({ label: t(locale, 'label.status'), value: `${t(locale, `status.${order.status}` as MessageKey)} · ${t(locale, 'seats.of', { taken: o.taken, seats: order.seats })}` });
  const open = isOpenOrder(order.status);
  const top = Math.min(deps.config.waveSize, o.suggestions.length);
  const data: Record<string, unknown> = {
    heading: t(locale, 'order.heading.brokering'),
    number: order._id,
    title: plainText(order.title),
    facts,
    suggestions: open ? o.suggestions.slice(0, 10).map((s) => ({ expertId: s.expertId, name: plainText(s.name), detail: t(locale, 'recent.count', { count: s.recent }) })) : [],
    ...offeredView(o.offered ?? [], locale),
    showActions: open,
    offerTopTitle: t(locale, 'order.offerTop', { count: top }),
  };
  if (o.notice) {
    data.notice = o.notice;
    data.noticeColor = 'Default';
  }
  return renderCard('order-brokering', locale, data);
}

/** `fresh`: the order was stored a moment ago (no offers, no seats taken: two reads fewer per order placed). */
export async function brokeringCardFor(deps: ServiceDeps, order: OrderDoc, locale: Locale, notice?: string, o: { fresh?: boolean } = {}): Promise<AdaptiveCard> {
  const { ctx, experts, offers } = await matchContext(deps, order, o);
  const ranked = rankCandidates(experts, order, ctx, deps.rng);
  const taken = o.fresh ? 0 : await deps.store.assignments.countLive(order._id);
  // Who was offered the task, and how it stands: the suggestions leave them out.
  const names = new Map(experts.map((e) => [e._id, e.displayName]));
  const unnamed = offers.filter((o) => !names.has(o.expertId)).map((o) => o.expertId);
  for (const e of unnamed.length > 0 ? await deps.store.experts.byIds(unnamed) : []) names.set(e._id, e.displayName);
  return brokeringCard(deps, order, locale, {
    suggestions: ranked.map((e) => ({ expertId: e._id, name: e.displayName, recent: ctx.recentAssignments.get(e._id) ?? 0 })),
    offered: offers.map((o) => ({ name: names.get(o.expertId) ?? '–', status: o.status })),
    taken,
    notice,
  });
}

/** Names listed on the card at most; a larger wave is summed up by status (a card must stay small). */
const OFFERED_LISTED = 12;

/**
 * Whom an order was offered to: each name with its offer's state when there are few; otherwise
 * the count per state and only the names that took the task (or withdrew).
 */
function offeredView(offered: { name: string; status: OfferStatus }[], locale: Locale): { offered: { name: string; status: string }[]; offeredSummary?: string } {
  const label = (status: OfferStatus) => t(locale, `offerStatus.${status}` as MessageKey);
  if (offered.length <= OFFERED_LISTED) return { offered: offered.map((x) => ({ name: plainText(x.name), status: label(x.status) })) };
  const counts = new Map<OfferStatus, number>();
  for (const x of offered) counts.set(x.status, (counts.get(x.status) ?? 0) + 1);
  return {
    offered: offered.filter((x) => x.status === 'accepted' || x.status === 'withdrawn').slice(0, OFFERED_LISTED).map((x) => ({ name: plainText(x.name), status: label(x.status) })),
    offeredSummary: [...counts].map(([status, n]) => `${n} ${label(status)}`).join(' · '),
  };
}

/**
 * Posts (first time) or updates in place the order's card in the coordinators' channel, with
 * an optional notice (a message key, written in the channel's language like the card). `fresh`:
 * the order was stored a moment ago (see brokeringCardFor).
 */
export async function brokeringUpdate(deps: ServiceDeps, order: OrderDoc, notice?: { key: MessageKey; params?: Record<string, string | number> }, o: { fresh?: boolean } = {}): Promise<void> {
  const channel = await deps.store.channels.coordinatorsChannel();
  if (!channel) return;
  const locale = coordinatorsLocale(deps, channel);
  const card = await brokeringCardFor(deps, order, locale, notice && t(locale, notice.key, notice.params), o);
  const firstKey = `brokering:${order._id}`;
  // A fresh order's card is its first (enqueueing the key again would be a no-op anyway).
  if (o.fresh || !(await deps.store.outbox.has(firstKey))) {
    await deps.postman.post([{ key: firstKey, conversationId: channel.conversationId, activity: message(card) }]);
  } else {
    await deps.postman.post([{ key: `${firstKey}:update:${deps.now().getTime()}`, conversationId: channel.conversationId, op: 'update', updateOf: firstKey, activity: message(card) }]);
  }
}
