import { plainText } from '../cards/plainText';
import { AdaptiveCard, cardAttachment, renderCard } from '../cards/render';
import { AcceptedExpertView, CardContext, Fact, OfferCardData, OrderSummaryCardData, TextColor } from '../cards/views';
import { teamsCalendarLink } from '../domain/calendar';
import { labelOf } from '../domain/catalog';
import { offerExpiry } from '../domain/waves';
import { Locale, MessageKey, t } from '../i18n';
import { formatDuration, formatWhen } from '../i18n/format';
import { ExpertDoc } from '../store/experts';
import { OfferStatus } from '../store/offers';
import { OrderDoc } from '../store/orders';
import { ServiceDeps } from './deps';
import { feeText } from './fees-view';

/**
 * Card data built from store documents, in the reader's language (the views are typed in
 * src/cards/views.ts). Text users typed goes through plainText here, once: cards show it as
 * typed, never as Markdown.
 */
export type { AcceptedExpertView, CardContext, Fact } from '../cards/views';

/** The card context of this deployment: its catalog, time zone and tariffs. */
export function cardContext(deps: Pick<ServiceDeps, 'catalog' | 'config' | 'tariffs' | 'now'>): CardContext {
  return {
    catalog: deps.catalog,
    timeZone: deps.config.timeZone,
    feeText: (order, locale) => feeText(order, locale, deps),
    now: () => deps.now(),
    shortNoticeHours: deps.config.shortNoticeHours,
  };
}

/** "to 10.12.2026 klo 13.00 (1 h 30 min)" in the reader's language. */
export function whenText(order: Pick<OrderDoc, 'startsAt' | 'durationMinutes'>, timeZone: string, locale: Locale): string {
  return `${formatWhen(locale, order.startsAt, timeZone)} (${formatDuration(locale, order.durationMinutes)})`;
}

export function whereText(order: OrderDoc, locale: Locale): string {
  const place = plainText([order.address, order.municipality].filter(Boolean).join(', '));
  if (order.mode === 'remote') return t(locale, 'where.remote');
  if (order.mode === 'hybrid') return t(locale, 'where.hybrid', { place });
  return place;
}

/**
 * The task's facts as a card shows them. `withFee`: the fee line (the expert's offer);
 * `withLink`: the remote link (the task is the reader's); `forCoordinator`: the link, the
 * orderer, the contact person with phone and e-mail, the cost centre and the note to the
 * coordinators.
 */
export function taskFacts(order: OrderDoc, locale: Locale, ctx: CardContext, o: { withFee?: boolean; forCoordinator?: boolean; withLink?: boolean } = {}): Fact[] {
  const facts: Fact[] = [
    { label: t(locale, 'label.when'), value: whenText(order, ctx.timeZone, locale) },
    { label: t(locale, 'label.where'), value: whereText(order, locale) },
    { label: t(locale, 'label.taskType'), value: labelOf(ctx.catalog.taskTypes, order.taskType, locale) },
    { label: t(locale, 'label.themes'), value: order.themes.map((id) => labelOf(ctx.catalog.themes, id, locale)).join(', ') },
    { label: t(locale, 'label.targetGroup'), value: order.audienceSize ? `${plainText(order.targetGroup)} (${order.audienceSize})` : plainText(order.targetGroup) },
    { label: t(locale, 'label.language'), value: t(locale, `language.${order.language}` as MessageKey) },
  ];
  if (order.goal) facts.push({ label: t(locale, 'label.goal'), value: plainText(order.goal) });
  if (o.withFee) facts.push({ label: t(locale, 'label.fee'), value: ctx.feeText(order, locale) });
  // The remote link is the way in: shown to those the task is theirs (o.withLink), and to
  // the coordinators, who may need to pass it on.
  if (order.link && (o.withLink || o.forCoordinator) && order.mode !== 'onsite') facts.push({ label: t(locale, 'label.link'), value: order.link });
  if (o.forCoordinator) {
    facts.push({ label: t(locale, 'label.orderer'), value: plainText(order.orderer.name) });
    // The coordinators may need to call whoever ordered: the contact person the form named.
    facts.push(...contactFacts(order.contact, locale));
    facts.push({ label: t(locale, 'label.costCentre'), value: plainText(order.costCentre) });
    if (order.noteToCoordinator) facts.push({ label: t(locale, 'label.note'), value: plainText(order.noteToCoordinator) });
  }
  return facts;
}

/** "Tarjottu kokemusasiantuntijoille · 1/2 paikkaa täytetty"; a new order without the count. */
export function statusText(order: Pick<OrderDoc, 'status' | 'seats'>, taken: number, locale: Locale): string {
  const status = t(locale, `status.${order.status}` as MessageKey);
  return order.status === 'new' && taken === 0 ? status : `${status} · ${t(locale, 'seats.of', { taken, seats: order.seats })}`;
}

export function contactText(c: { phone?: string; email?: string }): string {
  return plainText([c.phone, c.email].filter(Boolean).join(' · ')) || '–';
}

/**
 * A contact person's name, phone and e-mail, one labelled row each. The cards show facts as
 * wrapping text rows (not a FactSet, whose values Teams cuts off): a long e-mail address wraps.
 */
export function contactFacts(c: { name: string; phone?: string; email?: string }, locale: Locale): Fact[] {
  const facts: Fact[] = [{ label: t(locale, 'label.contact'), value: plainText(c.name) }];
  if (c.phone) facts.push({ label: t(locale, 'label.phone'), value: plainText(c.phone) });
  if (c.email) facts.push({ label: t(locale, 'label.email'), value: plainText(c.email) });
  return facts;
}

/**
 * "Lyhyellä varoitusajalla: alkaa 2 päivän kuluttua" when a task still to come starts within
 * `shortNoticeHours` of `now` (SHORT_NOTICE_HOURS; 0: never). Hours under a day, else whole
 * days rounded; the exact start is on the same card ("Aika"), so a card read later still has it.
 */
export function shortNoticeText(order: Pick<OrderDoc, 'startsAt'>, now: Date, shortNoticeHours: number, locale: Locale): string | undefined {
  const ms = order.startsAt.getTime() - now.getTime();
  if (shortNoticeHours <= 0 || ms <= 0 || ms > shortNoticeHours * 3_600_000) return undefined;
  return ms < 86_400_000
    ? t(locale, 'shortNotice.startsIn', { unit: 'hours', n: Math.floor(ms / 3_600_000) })
    : t(locale, 'shortNotice.startsIn', { unit: 'days', n: Math.round(ms / 86_400_000) });
}

const STATE_COLOR: Partial<Record<OfferStatus, TextColor>> = { accepted: 'Good', filled: 'Default', cancelled: 'Attention', expired: 'Default' };

/**
 * The expert's offer card in every state; the orderer's contact only once accepted. An open
 * offer says by when to answer (offers close some hours before the start: domain/waves.ts) and
 * whether the task is at short notice; an expired one says when answers closed (`ctx.now()`:
 * when the card is made).
 */
export function offerCard(order: OrderDoc, offerId: string, state: OfferStatus, locale: Locale, ctx: CardContext, o: OfferCardOptions = {}): AdaptiveCard {
  return renderCard('offer', locale, offerCardData(order, offerId, state, locale, ctx, o));
}

export interface OfferCardOptions {
  /** The line under the heading, when the state's own is not the whole story ("someone was quicker"). */
  stateText?: string;
  /** More facts at the end (the expert's own earnings so far). */
  extraFacts?: Fact[];
}

/** What the offer card shows (offerCard renders it). */
export function offerCardData(order: OrderDoc, offerId: string, state: OfferStatus, locale: Locale, ctx: CardContext, o: OfferCardOptions = {}): OfferCardData {
  const contact: Fact[] =
    state === 'accepted'
      ? [...contactFacts(order.contact, locale), { label: t(locale, 'label.orderer'), value: plainText(order.orderer.name) }]
      : [];
  const closesAt = offerExpiry(order);
  const closed = ctx.now().getTime() >= closesAt.getTime();
  const deadline = formatWhen(locale, closesAt, ctx.timeZone);
  const data: OfferCardData = {
    heading: t(locale, `offerHeading.${state}` as MessageKey),
    title: plainText(order.title),
    description: plainText(order.description),
    // The order number and the ordering unit: what the expert quotes when calling about it.
    facts: [
      { label: t(locale, 'label.number'), value: order._id },
      ...taskFacts(order, locale, ctx, { withFee: true, withLink: state === 'accepted' }),
      { label: t(locale, 'label.costCentre'), value: plainText(order.costCentre) },
      ...(o.extraFacts ?? []),
    ],
    state,
    stateText: o.stateText ?? (state === 'open' ? '' : state === 'expired' && closed ? t(locale, 'offer.state.expiredAt', { deadline }) : t(locale, `offer.state.${state}` as MessageKey)),
    stateColor: STATE_COLOR[state] ?? 'Default',
    contactFacts: contact,
    offerId,
    orderId: order._id,
  };
  if (state === 'open' && !closed) {
    data.answerBy = t(locale, 'offer.answerBy', { deadline });
    const short = shortNoticeText(order, ctx.now(), ctx.shortNoticeHours, locale);
    if (short) data.shortNotice = short;
  }
  if (state === 'accepted') {
    data.calendarUrl = calendarUrl(order, locale);
    data.calendarTitle = t(locale, 'calendar.add');
  }
  return data;
}

/**
 * What cancelling means, asked before it is done: free until the deadline of the 24-hour rule
 * (src/domain/orderLifecycle.ts cancellationTerms), after it the experts who took the task are
 * paid. Said by the deadline, not by "now", so an old card stays true.
 */
export function cancelTerms(order: Pick<OrderDoc, 'startsAt'>, locale: Locale, timeZone: string, lateCancelHours: number): string {
  const deadline = new Date(order.startsAt.getTime() - lateCancelHours * 3_600_000);
  return t(locale, 'order.cancelTerms', { deadline: formatWhen(locale, deadline, timeZone) });
}

/** The "Add to calendar" link of a task: its number and title, time, and place or remote link. */
export function calendarUrl(order: OrderDoc, locale: Locale): string {
  return teamsCalendarLink({
    subject: `${order._id} ${order.title}`,
    startsAt: order.startsAt,
    endsAt: order.endsAt,
    content: [whereText(order, locale), order.mode !== 'onsite' ? order.link : undefined].filter(Boolean).join('\n'),
  });
}

/** What the orderer sees of accepted experts: name, contact, introduction — never themes. */
export function acceptedExpertViews(experts: ExpertDoc[]): AcceptedExpertView[] {
  return experts.map((e) => ({ name: plainText(e.displayName), contact: contactText(e), description: plainText(e.description) }));
}

export interface OrderSummaryOptions {
  heading: string;
  notice?: string;
  noticeColor?: TextColor;
  experts: AcceptedExpertView[];
  canCancel: boolean;
  taken: number;
  lateCancelHours: number;
}

/** The orderer's card of an order. */
export function orderSummaryCard(order: OrderDoc, locale: Locale, ctx: CardContext, o: OrderSummaryOptions): AdaptiveCard {
  return renderCard('order-summary', locale, orderSummaryData(order, locale, ctx, o));
}

/** What the orderer's card shows (orderSummaryCard renders it). */
export function orderSummaryData(order: OrderDoc, locale: Locale, ctx: CardContext, o: OrderSummaryOptions): OrderSummaryCardData {
  const facts = taskFacts(order, locale, ctx, { withLink: true });
  facts.push({ label: t(locale, 'label.status'), value: statusText(order, o.taken, locale) });
  const data: OrderSummaryCardData = {
    heading: o.heading, number: order._id, title: plainText(order.title), facts, experts: o.experts, canCancel: o.canCancel,
    expertsHeading: t(locale, 'order.expertsHeading', { count: o.experts.length }),
    cancelText: cancelTerms(order, locale, ctx.timeZone, o.lateCancelHours),
  };
  if (o.taken > 0 && (order.status === 'offering' || order.status === 'filled')) {
    data.calendarUrl = calendarUrl(order, locale);
    data.calendarTitle = t(locale, 'calendar.add');
  }
  if (o.notice) {
    data.notice = o.notice;
    data.noticeColor = o.noticeColor ?? 'Default';
  }
  return data;
}

export function message(card: AdaptiveCard): { type: 'message'; attachments: ReturnType<typeof cardAttachment>[] } {
  return { type: 'message', attachments: [cardAttachment(card)] };
}
