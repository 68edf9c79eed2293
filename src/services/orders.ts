import { OrderInput, formatOrderNumber } from '../domain/orderForm';
import { cancellationTerms } from '../domain/orderLifecycle';
import { localParts } from '../domain/time';
import { Locale, MessageKey, pickLocale, t } from '../i18n';
import { OrderDoc } from '../store/orders';
import { NewOutboxItem } from '../store/outbox';
import { ServiceDeps } from './deps';
import { brokeringUpdate } from './notify';
import { offerWave, updateOfferCard } from './offering';
import { message, whenText } from './views';
import { renderCard } from '../cards/render';

/**
 * Places an order: a human number, then either the coordinators' card with ranked
 * suggestions (coordinator mode) or the first wave of offers at once (auto mode).
 */
export async function placeOrder(
  deps: ServiceDeps,
  input: OrderInput,
  orderer: { aadObjectId: string; name: string },
  conversationId: string,
): Promise<OrderDoc> {
  const now = deps.now();
  const year = Number(localParts(now, deps.config.timeZone).date.slice(0, 4));
  const order = await deps.store.orders.insertNumbered(
    year,
    (id) => ({
      ...input,
      _id: id,
      orderer: { aadObjectId: orderer.aadObjectId.toLowerCase(), name: orderer.name },
      conversationId,
      endsAt: new Date(input.startsAt.getTime() + input.durationMinutes * 60_000),
      status: 'new',
      createdAt: now,
      updatedAt: now,
    }),
    formatOrderNumber,
  );
  deps.log.info({ orderId: order._id, mode: deps.config.brokeringMode }, 'order placed');
  await brokeringUpdate(deps, order);
  if (deps.config.brokeringMode === 'auto') await offerWave(deps, order._id);
  return (await deps.store.orders.get(order._id)) ?? order;
}

export type CancelResult = { kind: 'cancelled'; order: OrderDoc; late: boolean } | { kind: 'forbidden' } | { kind: 'notFound' } | { kind: 'notCancellable'; order: OrderDoc };

/**
 * Only the orderer or a coordinator may cancel. Less than LATE_CANCEL_HOURS before the start
 * the accepted experts' fees stay payable (KAP rule). Everyone affected is told.
 */
export async function cancelOrder(deps: ServiceDeps, orderId: string, actor: { aadObjectId: string; isCoordinator: boolean }): Promise<CancelResult> {
  const now = deps.now();
  const order = await deps.store.orders.get(orderId);
  if (!order) return { kind: 'notFound' };
  if (order.orderer.aadObjectId !== actor.aadObjectId && !actor.isCoordinator) return { kind: 'forbidden' };
  const terms = cancellationTerms(order.startsAt, now, deps.config.lateCancelHours);
  const after = await deps.store.orders.moveStatus(orderId, ['new', 'offering', 'filled'], 'cancelled', now, { cancelledAt: now, cancelledLate: terms.late });
  if (!after) return { kind: 'notCancellable', order };
  const accepted = await deps.store.assignments.cancelAll(orderId, terms.feePayable, now);
  const closed = await deps.store.offers.closeOpen(orderId, 'cancelled', now);
  const items: NewOutboxItem[] = [];
  for (const o of closed) {
    const item = await updateOfferCard(deps, after, o._id, o.expertId, 'cancelled');
    if (item) items.push(item);
  }
  for (const a of accepted) {
    const conv = await deps.store.conversations.personalOf(a.expertId);
    if (!conv) continue;
    const locale = pickLocale(conv.locale, deps.config.defaultLocale);
    const text = terms.late ? t(locale, 'offer.state.cancelledPaid', { hours: deps.config.lateCancelHours }) : t(locale, 'offer.state.cancelled');
    const update = await updateOfferCard(deps, after, `${orderId}:${a.expertId}`, a.expertId, 'cancelled', text);
    if (update) items.push(update);
    items.push({
      key: `cancel-notice:${orderId}:${a.expertId}`,
      conversationId: conv._id,
      activity: message(renderCard('notice', locale, { text: `${after._id} · ${after.title} (${whenText(after, deps.config.timeZone)}): ${text}`, tone: 'attention' })),
    });
  }
  await deps.postman.post(items);
  const notice = t(deps.config.defaultLocale, terms.late ? 'order.cancelledLateNotice' : 'order.cancelledNotice', { hours: deps.config.lateCancelHours });
  await brokeringUpdate(deps, after, notice);
  deps.log.info({ orderId, late: terms.late, experts: accepted.length }, 'order cancelled');
  return { kind: 'cancelled', order: after, late: terms.late };
}

export function statusText(order: OrderDoc, locale: Locale): string {
  return t(locale, `status.${order.status}` as MessageKey);
}
