import { OrderInput, formatOrderNumber } from '../domain/orderForm';
import { plainText } from '../cards/plainText';
import { cancellationTerms, dueToCloseUnfilled, statusMove } from '../domain/orderLifecycle';
import { localParts } from '../domain/time';
import { Locale, MessageKey, pickLocale, t } from '../i18n';
import { FormClaimDoc, MAX_FORM_GENERATIONS, OrderDoc } from '../store/orders';
import { OfferRepo } from '../store/offers';
import { NewOutboxItem } from '../store/outbox';
import { ServiceDeps } from './deps';
import { EarlyCardReads, brokeringUpdate, startEarlyCardReads } from './brokeringCard';
import { notifyOrderer } from './notify';
import { closedOfferCards, offerWave, updateOfferCard } from './offering';
import { message, whenText } from './views';
import { renderCard } from '../cards/render';

const DAY = 86_400_000;

async function place(
  deps: ServiceDeps,
  input: OrderInput,
  orderer: { aadObjectId: string; name: string; userId?: string },
  conversationId: string,
  formId: string,
): Promise<OrderDoc> {
  const now = deps.now();
  const year = Number(localParts(now, deps.config.timeZone).date.slice(0, 4));
  const endsAt = new Date(input.startsAt.getTime() + input.durationMinutes * 60_000);
  // The coordinators' card needs the channel and who may be offered a task at this time, not the
  // order's number: read beside the number's insert (a burst of orders shares more of the reads,
  // and the card is ready sooner). Read a moment before the insert, as fresh as a moment after.
  const early = startEarlyCardReads(deps, { startsAt: input.startsAt, endsAt });
  const order = await deps.store.orders.insertNumbered(
    year,
    (id) => ({
      ...input,
      _id: id,
      orderer: { aadObjectId: orderer.aadObjectId.toLowerCase(), name: orderer.name, ...(orderer.userId ? { userId: orderer.userId } : {}) },
      conversationId,
      endsAt,
      status: 'new',
      formId,
      createdAt: now,
      updatedAt: now,
    }),
    formatOrderNumber,
  );
  // Nothing is written to the form's claim: the order carries the form id, and a repeated submit
  // finds it there (and finishes what a placer that died from here on left undone).
  deps.log.info({ orderId: order._id, mode: deps.config.brokeringMode }, 'order placed');
  await afterPlacing(deps, order, true, early);
  // Only a first wave (auto mode) changes the order after it was stored.
  return deps.config.brokeringMode === 'auto' ? ((await deps.store.orders.get(order._id)) ?? order) : order;
}

/**
 * What follows storing an order: the coordinators' card and, in auto mode, the first wave.
 * `fresh`: right after the insert (nothing else can have happened to the order yet). Otherwise
 * a repeated submit finishes what a placer that died left undone, and every step is repeatable:
 * the card is queued only if it never was (its outbox key names the order), and the first wave
 * only while the order is still 'new' (its number is claimed by a unique insert, and one cut
 * short after its claim is resumed, not sent again: offerWave).
 */
async function afterPlacing(deps: ServiceDeps, order: OrderDoc, fresh: boolean, early?: EarlyCardReads): Promise<void> {
  // In auto mode the first wave does not wait for the coordinators' card, and a new order's wave
  // ranks from the same early reads as the card: a large wave's first offers leave while the card
  // is still being built. The card is built from the order as stored, as before.
  await Promise.all([
    brokeringUpdate(deps, order, undefined, fresh ? { fresh, early } : { onlyIfNeverQueued: true }),
    deps.config.brokeringMode === 'auto' && order.status === 'new' ? offerWave(deps, order._id, { reads: early?.reads }) : undefined,
  ]);
}

/**
 * Whether the user may place another order now: ORDER_SUBMITS_PER_MINUTE per user and minute,
 * counted in the database so that the limit holds across instances (src/store/rateLimits.ts).
 * Taken for each valid submit before anything is stored; a refused one stores nothing.
 */
export function mayPlaceOrder(deps: ServiceDeps, ordererAad: string): Promise<boolean> {
  return deps.store.rateLimits.take('order', ordererAad.toLowerCase(), deps.now(), deps.config.orderSubmitsPerMinute);
}

/** A form's claim older than this is not being worked on any more: its placer finished or died. */
export const FORM_CLAIM_STALE_MS = 60_000;
/**
 * A repeated submit waits for the first one (still at work) to store the order: it looks every
 * FORM_LOOK_MS, FORM_WAIT_LOOKS times (8 s and the looks' own reads).
 */
const FORM_LOOK_MS = 150;
const FORM_WAIT_LOOKS = Math.ceil(8_000 / FORM_LOOK_MS);

export type PlaceOnceResult =
  | { kind: 'placed'; order: OrderDoc }
  /** The form was submitted before: the order it placed, nothing new. */
  | { kind: 'repeat'; order: OrderDoc }
  /** The first submit is still storing the order; nothing was done. */
  | { kind: 'pending' }
  /** The form id belongs to someone else's order. */
  | { kind: 'forbidden' };

/**
 * Places the order of one order form card at most once, however often the card is submitted
 * (a double click, or Teams retrying after a failure half-way). The card carries a one-time
 * form id; the first submit claims it with a unique insert, so of two concurrent submits
 * exactly one places the order, and any later submit answers with that order.
 *
 * The order is stored with the form id (indexed), and the claim is never written again: a
 * later submit finds the order by the form id. A placer that died half-way is recovered by a
 * later submit once the claim is FORM_CLAIM_STALE_MS old: after storing the order, by running
 * what follows placing again where it may be missing (answerRepeat); before storing it, by
 * taking over the claim's next generation (again a unique insert) and placing it.
 */
export async function placeOrderOnce(
  deps: ServiceDeps,
  input: OrderInput,
  orderer: { aadObjectId: string; name: string; userId?: string },
  conversationId: string,
  formId: string,
): Promise<PlaceOnceResult> {
  if (!(await deps.store.orders.claimForm(formId, 0, deps.now()))) {
    const seen = await repeatedSubmit(deps, formId, orderer.aadObjectId);
    if (seen.kind !== 'takeOver') return seen;
  }
  const order = await place(deps, input, orderer, conversationId, formId);
  return { kind: 'placed', order };
}

async function repeatedSubmit(deps: ServiceDeps, formId: string, ordererAad: string): Promise<PlaceOnceResult | { kind: 'takeOver' }> {
  // Counted in looks, not read off a clock: this waits for another request, on the machine's
  // time, and the bot's clock may stand still in a test.
  for (let look = 1; ; look++) {
    const [order, claims] = await Promise.all([deps.store.orders.byFormId(formId), deps.store.orders.formClaims(formId)]);
    const latest = claims[claims.length - 1];
    if (order) return answerRepeat(deps, order, latest, ordererAad);
    if (!latest) {
      // The claim is gone (cleaned up): claim afresh.
      if (await deps.store.orders.claimForm(formId, 0, deps.now())) return { kind: 'takeOver' };
      if (look >= FORM_WAIT_LOOKS) return { kind: 'pending' };
      continue;
    }
    if (claimIsStale(deps, latest)) {
      // Its placer died before storing the order: the next generation's claim decides who places it.
      if (latest.gen + 1 >= MAX_FORM_GENERATIONS) return { kind: 'pending' };
      if (await deps.store.orders.claimForm(formId, latest.gen + 1, deps.now())) return { kind: 'takeOver' };
      continue;
    }
    // The first submit is still at work: wait for it to store the order.
    if (look >= FORM_WAIT_LOOKS) return { kind: 'pending' };
    await new Promise((r) => setTimeout(r, FORM_LOOK_MS));
  }
}

const claimIsStale = (deps: ServiceDeps, claim: FormClaimDoc) => deps.now().getTime() - claim.at.getTime() >= FORM_CLAIM_STALE_MS;

async function answerRepeat(deps: ServiceDeps, order: OrderDoc, latest: FormClaimDoc | undefined, ordererAad: string): Promise<PlaceOnceResult> {
  if (order.orderer.aadObjectId !== ordererAad.toLowerCase()) {
    deps.log.warn({ orderId: order._id }, 'order form submitted by someone other than its orderer');
    return { kind: 'forbidden' };
  }
  // The placer may have died after storing the order, before its coordinators' card or first
  // wave was queued: finish what may be missing. Only once the form's latest claim is old (its
  // placer finished or died), so that a double click never races the first submit's wave; and
  // only while the order is still 'new' (what moves it on comes after its card was queued: the
  // first wave, a coordinator's click on the card; or queues the card itself: a cancellation).
  if (latest && order.status === 'new' && claimIsStale(deps, latest)) {
    await afterPlacing(deps, order, false);
    order = (await deps.store.orders.get(order._id)) ?? order;
  }
  deps.log.info({ orderId: order._id }, 'order form submitted again; answered with the order placed before');
  return { kind: 'repeat', order };
}

export type CancelResult = { kind: 'cancelled'; order: OrderDoc; late: boolean } | { kind: 'forbidden' } | { kind: 'notFound' } | { kind: 'notCancellable'; order: OrderDoc };

/**
 * Only the orderer or a coordinator may cancel. Less than LATE_CANCEL_HOURS before the start
 * the accepted experts' fees stay payable (KAP rule). Everyone affected is told.
 * The status moves first; everything after it can be repeated and is keyed by the stored
 * cancellation time, so cancelling again (a double click, or a click after a crash midway)
 * finishes what is missing and tells nobody twice.
 */
export async function cancelOrder(deps: ServiceDeps, orderId: string, actor: { aadObjectId: string; isCoordinator: boolean }): Promise<CancelResult> {
  const now = deps.now();
  const order = await deps.store.orders.get(orderId);
  if (!order) return { kind: 'notFound' };
  if (order.orderer.aadObjectId !== actor.aadObjectId && !actor.isCoordinator) return { kind: 'forbidden' };
  const terms = cancellationTerms(order, now, deps.config.lateCancelHours);
  const moved = await deps.store.orders.moveStatus(orderId, ...statusMove('cancel'), now, { cancelledAt: now, cancelledLate: terms.late });
  const after = moved ?? (order.status === 'cancelled' ? order : await deps.store.orders.get(orderId));
  if (after?.status !== 'cancelled') return { kind: 'notCancellable', order };
  const affected = await afterCancelling(deps, after, now);
  if (moved) deps.log.info({ orderId, late: !!after.cancelledLate, experts: affected }, 'order cancelled');
  return { kind: 'cancelled', order: after, late: !!after.cancelledLate };
}

/**
 * What follows a cancellation, all repeatable and keyed by the stored cancellation time: the
 * accepted experts' seats cancelled (their fee payable if it was late), open offers closed,
 * every affected card updated in place, the experts told, the coordinators' card updated.
 * Returns how many experts lost a seat.
 */
async function afterCancelling(deps: ServiceDeps, order: OrderDoc, now: Date): Promise<number> {
  const late = !!order.cancelledLate;
  const at = (order.cancelledAt ?? now).getTime();
  await deps.store.assignments.cancelAll(order._id, late, now);
  await deps.store.offers.closeOpen(order._id, 'cancelled', now);
  const [assignments, offers] = await Promise.all([deps.store.assignments.ofOrder(order._id), deps.store.offers.ofOrder(order._id)]);
  const items: NewOutboxItem[] = await closedOfferCards(deps, order, offers.filter((o) => o.status === 'cancelled'), 'cancelled', at);
  const affected = assignments.filter((a) => a.status === 'cancelled');
  for (const a of affected) {
    const conv = await deps.store.conversations.personalOf(a.expertId);
    if (!conv) continue;
    const locale = pickLocale(conv.locale, deps.config.defaultLocale);
    const text = late ? t(locale, 'offer.state.cancelledPaid', { hours: deps.config.lateCancelHours }) : t(locale, 'offer.state.cancelled');
    const update = await updateOfferCard(deps, order, OfferRepo.idOf(order._id, a.expertId), a.expertId, 'cancelled', text, at);
    if (update) items.push(update);
    items.push({
      key: `cancel-notice:${order._id}:${a.expertId}`,
      conversationId: conv._id,
      activity: message(renderCard('notice', locale, { text: `${order._id} · ${plainText(order.title)} (${whenText(order, deps.config.timeZone, locale)}): ${text}`, tone: 'attention' })),
    });
  }
  await deps.postman.post(items);
  await brokeringUpdate(deps, order, { key: late ? 'order.cancelledLateNotice' : 'order.cancelledNotice', params: { hours: deps.config.lateCancelHours } });
  return affected.length;
}

/**
 * Cancellations that a crash cut short after the status moved, and that nobody finished by
 * cancelling again: an order cancelled in the last day with a seat still live or an offer
 * still open is finished (run by the offer-waves job every minute).
 */
export async function finishCutShortCancellations(deps: ServiceDeps, now: Date): Promise<number> {
  let finished = 0;
  for (const order of await deps.store.orders.cancelledSince(new Date(now.getTime() - DAY))) {
    const [assignments, offers] = await Promise.all([deps.store.assignments.ofOrder(order._id), deps.store.offers.ofOrder(order._id)]);
    if (!assignments.some((a) => a.status === 'accepted') && !offers.some((o) => o.status === 'open')) continue;
    deps.log.warn({ orderId: order._id }, 'finishing a cancellation cut short');
    await afterCancelling(deps, order, now);
    finished += 1;
  }
  return finished;
}

/**
 * At its start an order that nobody accepted is closed as 'unfilled': its open offers turn
 * "expired" in place, the orderer hears it in their chat and the coordinators' card shows it.
 * Side effects first, each keyed, then the status: a run cut short is finished by the next one.
 * Returns whether the order was closed now.
 */
export async function closeUnfilled(deps: ServiceDeps, order: OrderDoc, now: Date): Promise<boolean> {
  if (!dueToCloseUnfilled(order, now)) return false;
  if ((await deps.store.assignments.countLive(order._id)) > 0) return false;
  const closedView: OrderDoc = { ...order, status: 'unfilled', unfilledAt: now, updatedAt: now };
  const closed = await deps.store.offers.closeOpen(order._id, 'expired', now);
  await deps.postman.post(await closedOfferCards(deps, closedView, closed, 'expired'));
  // Orders left open by an older version may be long past: those are closed without a message.
  if (now.getTime() - order.startsAt.getTime() < DAY) await notifyOrderer(deps, closedView, 'order.unfilledNotice', {}, `order-unfilled:${order._id}`);
  const after = await deps.store.orders.moveStatus(order._id, ...statusMove('closeUnfilled'), now, { unfilledAt: now });
  if (!after) return false;
  await brokeringUpdate(deps, after, { key: 'order.unfilledCoordinators' });
  deps.log.info({ orderId: order._id, offersClosed: closed.length }, 'order closed unfilled at its start');
  return true;
}

export function statusText(order: OrderDoc, locale: Locale): string {
  return t(locale, `status.${order.status}` as MessageKey);
}
