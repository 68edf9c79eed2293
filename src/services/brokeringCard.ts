import { AdaptiveCard, renderCard } from '../cards/render';
import { BrokeringOutlook, OrderBrokeringCardData } from '../cards/views';
import { plainText } from '../cards/plainText';
import { rankCandidates } from '../domain/matching';
import { isOpenOrder } from '../domain/orderLifecycle';
import { Locale, MessageKey, t } from '../i18n';
import { OfferStatus } from '../store/offers';
import { OrderDoc } from '../store/orders';
import { ServiceDeps } from './deps';
import { coordinatorsLocale } from './notify';
import { MatchReads, matchContext, matchReads } from './ranking';
import { cardContext, message, shortNoticeText, statusText, taskFacts } from './views';

/** What the coordinators' card says about finding experts for an order still open. */
export type { BrokeringOutlook } from '../cards/views';

/**
 * Where finding experts stands: suggestions to offer to; everyone suitable offered and answers
 * awaited; nobody suitable left with seats still free (the coordinator must act); or the order
 * no longer open (filled, cancelled, done, closed unfilled: no offering actions).
 */
export function brokeringOutlook(status: OrderDoc['status'], suggestions: number, offered: { status: OfferStatus }[], taken: number, seats: number): BrokeringOutlook {
  if (!isOpenOrder(status) || taken >= seats) return 'closed';
  if (suggestions > 0) return 'suggestions';
  return offered.some((o) => o.status === 'open') ? 'waiting' : 'nobodyLeft';
}

export interface BrokeringCardOptions {
  suggestions: { expertId: string; name: string; recent: number }[];
  offered?: OfferedView[];
  taken: number;
  notice?: string;
}

/** The coordinators' card of an order: details, status, the answers so far and the ranked suggestions. */
export function brokeringCard(deps: ServiceDeps, order: OrderDoc, locale: Locale, o: BrokeringCardOptions): AdaptiveCard {
  return renderCard('order-brokering', locale, brokeringCardData(deps, order, locale, o));
}

/** What the coordinators' card shows (brokeringCard renders it). */
export function brokeringCardData(deps: ServiceDeps, order: OrderDoc, locale: Locale, o: BrokeringCardOptions): OrderBrokeringCardData {
  const ctx = cardContext(deps);
  const facts = taskFacts(order, locale, ctx, { forCoordinator: true });
  facts.push({ label: t(locale, 'label.status'), value: statusText(order, o.taken, locale) });
  const offered = o.offered ?? [];
  const outlook = brokeringOutlook(order.status, o.suggestions.length, offered, o.taken, order.seats);
  const top = Math.min(deps.config.waveSize, o.suggestions.length);
  const data: OrderBrokeringCardData = {
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
  // While experts are still being sought: a task starting soon needs the coordinators first.
  const short = isOpenOrder(order.status) ? shortNoticeText(order, ctx.now(), ctx.shortNoticeHours, locale) : undefined;
  if (short) data.shortNotice = short;
  return data;
}

/** `fresh`: the order was stored a moment ago (no offers, no seats taken: two reads fewer per order placed). */
export async function brokeringCardFor(deps: ServiceDeps, order: OrderDoc, locale: Locale, notice?: string, o: { fresh?: boolean; reads?: Promise<MatchReads> } = {}): Promise<AdaptiveCard> {
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
 * The coordinators' card's reads for a new order, started before the order is stored (none needs
 * its number): the coordinators' channel and the ranking's time-only reads (matchReads).
 */
export interface EarlyCardReads {
  channel: Promise<Awaited<ReturnType<ServiceDeps['store']['channels']['coordinatorsChannel']>>>;
  reads: Promise<MatchReads>;
}

/** Starts the early reads; a failed one fails only the card that awaits it (never unhandled). */
export function startEarlyCardReads(deps: ServiceDeps, task: Pick<OrderDoc, 'startsAt' | 'endsAt'>): EarlyCardReads {
  const early = { channel: deps.store.channels.coordinatorsChannel(), reads: matchReads(deps, task) };
  early.channel.catch(() => undefined);
  early.reads.catch(() => undefined);
  return early;
}

/**
 * Posts (first time) or updates in place the order's card in the coordinators' channel, with
 * an optional notice (a message key, written in the channel's language like the card). `fresh`:
 * the order was stored a moment ago (see brokeringCardFor). `onlyIfNeverQueued`: the first card
 * if it was never queued, else nothing (finishing what a placer that died left undone).
 */
export async function brokeringUpdate(
  deps: ServiceDeps,
  order: OrderDoc,
  notice?: { key: MessageKey; params?: Record<string, string | number> },
  o: { fresh?: boolean; key?: string; onlyIfNeverQueued?: boolean; early?: EarlyCardReads } = {},
): Promise<void> {
  const channel = await (o.early?.channel ?? deps.store.channels.coordinatorsChannel());
  if (!channel) return;
  const locale = coordinatorsLocale(deps, channel);
  const firstKey = `brokering:${order._id}`;
  // A fresh order's card is its first (enqueueing the key again would be a no-op anyway).
  const first = o.fresh || !(await deps.store.outbox.has(firstKey));
  if (!first && o.onlyIfNeverQueued) return;
  const card = await brokeringCardFor(deps, order, locale, notice && t(locale, notice.key, notice.params), { fresh: o.fresh, reads: o.early?.reads });
  if (first) {
    await deps.postman.post([{ key: firstKey, conversationId: channel.conversationId, activity: message(card) }]);
  } else {
    await deps.postman.post([{ key: `${firstKey}:update:${o.key ?? deps.now().getTime()}`, conversationId: channel.conversationId, op: 'update', updateOf: firstKey, activity: message(card) }]);
  }
}
