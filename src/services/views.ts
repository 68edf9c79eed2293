import { plainText } from '../cards/plainText';
import { AdaptiveCard, cardAttachment, renderCard } from '../cards/render';
import { Catalog, labelOf } from '../domain/catalog';
import { localParts } from '../domain/time';
import { Locale, MessageKey, t } from '../i18n';
import { ExpertDoc } from '../store/experts';
import { OfferStatus } from '../store/offers';
import { OrderDoc } from '../store/orders';

/**
 * Card data built from store documents, in the reader's language. Text users typed goes
 * through plainText here, once: cards show it as typed, never as Markdown.
 */
export interface Fact {
  label: string;
  value: string;
}

export function whenText(order: Pick<OrderDoc, 'startsAt' | 'durationMinutes'>, timeZone: string): string {
  const p = localParts(order.startsAt, timeZone);
  const [y, m, d] = p.date.split('-').map(Number);
  const h = Math.floor(order.durationMinutes / 60);
  const min = order.durationMinutes % 60;
  return `${d}.${m}.${y} ${p.time} (${h ? `${h} h ` : ''}${min ? `${min} min` : ''}`.trim() + ')';
}

export function whereText(order: OrderDoc, locale: Locale): string {
  const place = plainText([order.address, order.municipality].filter(Boolean).join(', '));
  if (order.mode === 'remote') return t(locale, 'where.remote');
  if (order.mode === 'hybrid') return t(locale, 'where.hybrid', { place });
  return place;
}

export function taskFacts(order: OrderDoc, locale: Locale, o: { catalog: Catalog; timeZone: string; feeText?: string; forCoordinator?: boolean }): Fact[] {
  const facts: Fact[] = [
    { label: t(locale, 'label.when'), value: whenText(order, o.timeZone) },
    { label: t(locale, 'label.where'), value: whereText(order, locale) },
    { label: t(locale, 'label.taskType'), value: labelOf(o.catalog.taskTypes, order.taskType, locale) },
    { label: t(locale, 'label.themes'), value: order.themes.map((id) => labelOf(o.catalog.themes, id, locale)).join(', ') },
    { label: t(locale, 'label.targetGroup'), value: order.audienceSize ? `${plainText(order.targetGroup)} (${order.audienceSize})` : plainText(order.targetGroup) },
    { label: t(locale, 'label.language'), value: t(locale, `language.${order.language}` as MessageKey) },
  ];
  if (order.goal) facts.push({ label: t(locale, 'label.goal'), value: plainText(order.goal) });
  if (o.feeText) facts.push({ label: t(locale, 'label.fee'), value: o.feeText });
  if (o.forCoordinator) {
    facts.push({ label: t(locale, 'label.orderer'), value: plainText(order.orderer.name) });
    facts.push({ label: t(locale, 'label.costCentre'), value: plainText(order.costCentre) });
    if (order.noteToCoordinator) facts.push({ label: t(locale, 'label.note'), value: plainText(order.noteToCoordinator) });
  }
  return facts;
}

export function contactText(c: { phone?: string; email?: string }): string {
  return plainText([c.phone, c.email].filter(Boolean).join(' · ')) || '–';
}

const STATE_COLOR: Partial<Record<OfferStatus, string>> = { accepted: 'Good', filled: 'Default', cancelled: 'Attention', expired: 'Default' };

/** The expert's offer card in every state; the orderer's contact only once accepted. */
export function offerCard(
  order: OrderDoc,
  offerId: string,
  state: OfferStatus,
  locale: Locale,
  o: { catalog: Catalog; timeZone: string; feeText: string; stateText?: string; extraFacts?: Fact[] },
): AdaptiveCard {
  const contactFacts: Fact[] =
    state === 'accepted'
      ? [
          { label: t(locale, 'label.contact'), value: plainText(order.contact.name) },
          { label: '', value: contactText(order.contact) },
          { label: t(locale, 'label.orderer'), value: plainText(order.orderer.name) },
        ]
      : [];
  return renderCard('offer', locale, {
    title: plainText(order.title),
    description: plainText(order.description),
    facts: [...taskFacts(order, locale, { ...o, feeText: o.feeText }), ...(o.extraFacts ?? [])],
    state,
    stateText: o.stateText ?? (state === 'open' ? '' : t(locale, `offer.state.${state}` as MessageKey)),
    stateColor: STATE_COLOR[state] ?? 'Default',
    contactFacts,
    offerId,
    orderId: order._id,
  });
}

export interface AcceptedExpertView {
  name: string;
  contact: string;
  description: string;
}

/** What the orderer sees of accepted experts: name, contact, introduction — never themes. */
export function acceptedExpertViews(experts: ExpertDoc[]): AcceptedExpertView[] {
  return experts.map((e) => ({ name: plainText(e.displayName), contact: contactText(e), description: plainText(e.description) }));
}

export function orderSummaryCard(
  order: OrderDoc,
  locale: Locale,
  o: { catalog: Catalog; timeZone: string; heading: string; notice?: string; noticeColor?: string; experts: AcceptedExpertView[]; canCancel: boolean; taken: number },
): AdaptiveCard {
  const facts = taskFacts(order, locale, o);
  facts.push({ label: t(locale, 'label.status'), value: `${t(locale, `status.${order.status}` as MessageKey)} · ${t(locale, 'seats.of', { taken: o.taken, seats: order.seats })}` });
  const data: Record<string, unknown> = {
    heading: o.heading, number: order._id, title: plainText(order.title), facts, experts: o.experts, canCancel: o.canCancel,
  };
  if (o.notice) {
    data.notice = o.notice;
    data.noticeColor = o.noticeColor ?? 'Default';
  }
  return renderCard('order-summary', locale, data);
}

export function message(card: AdaptiveCard): { type: 'message'; attachments: ReturnType<typeof cardAttachment>[] } {
  return { type: 'message', attachments: [cardAttachment(card)] };
}
