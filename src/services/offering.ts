import { plainText } from '../cards/plainText';
import { acceptRefusal, canTransition, mayOffer, statusMove } from '../domain/orderLifecycle';
import { ACCEPT_FROM, FIRST_SLICE, SLICES_BY_KEY, fanOutSlices, nextWave, offerExpired } from '../domain/waves';
import { MessageKey, pickLocale, t } from '../i18n';
import { OfferDoc, OfferRepo, OfferStatus } from '../store/offers';
import { OrderDoc } from '../store/orders';
import { NewOutboxItem } from '../store/outbox';
import { ServiceDeps } from './deps';
import type { ConversationDoc } from '../store/conversations';
import type { EarningsGuardDoc } from '../store/earningsGuards';
import { offerGuardFacts, tellIfPaused } from './benefitGuard';
import { brokeringUpdate } from './brokeringCard';
import { coordinatorsLocale, notifyOrderer } from './notify';
import { coordinatorAlert, Coordinator, rememberOrderHandler } from './handlers';
import { MatchReads, rankFor } from './ranking';
import { cardContext, message, offerCard, whenText } from './views';

const DAY = 86_400_000;

/**
 * A wave claimed this recently whose cards are not queued yet is taken to be on its way still:
 * the wave job leaves it to its sender (a fan-out of a thousand takes seconds to queue), and
 * finishes it once older (its sender died).
 */
export const WAVE_IN_FLIGHT_MS = 2 * 60_000;

/** What a wave did: offers sent in wave `wave`, or, with none sent, why not. */
export type WaveResult = { sent: number; wave: number; none?: 'closed' | 'tooClose' | 'seatsTaken' | 'nobody' | 'raced' };

/**
 * Sends the next wave of offers. The wave number is claimed with a unique insert, so two
 * coordinators clicking, or the wave job on two instances, send it once. Each offer's
 * outbox key is the offer id: re-posting a card sends nothing twice.
 *
 * A wave cut short after its claim (a crash before its cards were queued) is finished first:
 * the open offers of that wave are posted, and an automatic call stops there, so the next wave
 * still waits WAVE_WAIT_MINUTES after the experts got the resumed one. A coordinator's pick of
 * named experts goes on to its own wave. Seats taken by accepts that a crash cut short are
 * settled before the open seats are counted (finishCutShortAccepts).
 *
 * `leaveWaveInFlight` (the wave job): a wave claimed less than WAVE_IN_FLIGHT_MS ago is not
 * finished here. The job runs every minute on every instance and would otherwise meet a large
 * wave while its sender is still queueing it, build the same cards again beside it, and leave
 * the orderer's answer to come before the last of them was queued. A click (a coordinator's, or
 * the orderer's repeated submit after a crash) finishes it at once.
 */
export async function offerWave(
  deps: ServiceDeps,
  orderId: string,
  pick: { expertIds?: string[]; count?: number; by?: Coordinator; reads?: Promise<MatchReads>; leaveWaveInFlight?: boolean } = {},
): Promise<WaveResult> {
  const now = deps.now();
  const order = await deps.store.orders.get(orderId);
  if (!order || !mayOffer(order, now)) return { sent: 0, wave: 0, none: 'closed' };
  // An offer sent now would have expired already (offers close some hours before the start):
  // none is sent, and the coordinator is told the task is too close to offer.
  if (offerExpired(order, undefined, now)) return { sent: 0, wave: 0, none: 'tooClose' };
  const claimed = await deps.store.offers.wavesSent(orderId);
  const resumed = claimed > 0 ? await resumeWave(deps, order, claimed, now, pick.leaveWaveInFlight ?? false) : null;
  if (resumed && !pick.expertIds) return resumed;
  const seatsOpen = order.seats - (await finishCutShortAccepts(deps, order, now));
  if (seatsOpen <= 0) return { sent: 0, wave: 0, none: 'seatsTaken' };
  const ranked = await rankFor(deps, order, pick.reads);
  const wanted = new Set(pick.expertIds ?? []);
  const chosen = pick.expertIds
    ? ranked.filter((e) => wanted.has(e._id))
    : nextWave({ ranked, seatsOpen, waveSize: pick.count ?? deps.config.waveSize });
  if (chosen.length === 0) {
    // Nobody left may only mean that another click's wave, claimed since we counted, took them.
    const sentSince = await deps.store.offers.wavesSent(orderId);
    return sentSince > claimed ? { sent: 0, wave: sentSince, none: 'raced' } : { sent: 0, wave: 0, none: 'nobody' };
  }
  const wave = claimed + 1;
  // Lost to another click or instance sending the same wave at the same moment.
  if (!(await deps.store.offers.claimWave(orderId, wave, now, chosen.map((e) => e._id)))) return { sent: 0, wave, none: 'raced' };
  // The coordinator whose click sends offers takes the order on (alerts about it @mention them):
  // recorded before the first card is queued, so even an alert about that very card names them.
  if (pick.by) await rememberOrderHandler(deps, orderId, pick.by);
  // The order turns "offering" before its first card is queued (awaited with the first slice).
  const offeringStatus = startOffering(deps, order, now);
  // A large wave is stored and queued in slices, so that its first cards are on their way while
  // the rest is written (the claim names every expert: a crash midway is finished whole).
  //
  // A wave written in several slices looks up every expert's chat once rather than once per
  // slice (each such lookup reads every chat on FerretDB: 200-300 ms among 1,000). The first two
  // slices' chats (SLICES_BY_KEY, 10 each) are looked up by key (personalOfFew), and that read of
  // every chat starts only once they are queued: on FerretDB, where commands wait for each other,
  // it made the ranking's read of every expert and then the first slice's own reads wait 200 ms
  // each; and the second slice keeps the budget's slots filled while it runs.
  let sent = 0;
  let everyChat: Promise<Map<string, ConversationDoc>> | undefined;
  // A slice's chats and earnings limits depend on its experts, not on its offers: they are read
  // beside the offers' insert and the order's move to "offering". On FerretDB, where commands
  // wait their turn, one round trip instead of four before the first card is queued.
  for (const [n, slice] of fanOutSlices(chosen.map((e) => e._id)).entries()) {
    if (n === SLICES_BY_KEY) everyChat = deps.store.conversations.personalOfEveryone();
    const lookups = cardLookups(deps, slice, everyChat);
    const [offers] = await Promise.all([deps.store.offers.createWave(orderId, slice, wave, now), lookups.chats, lookups.guards, offeringStatus]);
    await postOfferCards(deps, order, offers, lookups);
    sent += offers.length;
  }
  await deps.store.orders.setLastWave(orderId, now);
  deps.log.info({ orderId, wave, offers: sent }, 'offer wave sent');
  return { sent, wave };
}

/**
 * Finishes wave `n` if it was claimed but its cards were never queued: a wave is finished once
 * the order's lastWaveAt is at or after the wave's claim (both are written with the same time).
 * Returns what was done, or null when there is nothing to finish and a new wave may go.
 */
async function resumeWave(deps: ServiceDeps, order: OrderDoc, n: number, now: Date, leaveInFlight: boolean): Promise<WaveResult | null> {
  const claim = await deps.store.offers.waveClaim(order._id, n);
  if (!claim) return null;
  if (order.lastWaveAt && order.lastWaveAt.getTime() >= claim.at.getTime()) return null;
  const inFlight = now.getTime() - claim.at.getTime() < WAVE_IN_FLIGHT_MS;
  if (inFlight && leaveInFlight) return { sent: 0, wave: n, none: 'raced' };
  // The claim names the wave's experts: offers its sender did not get to store (a crash, or a
  // sender still inserting them) are made here, so the wave is whole (a duplicate is skipped).
  if (claim.expertIds?.length) await deps.store.offers.createWave(order._id, claim.expertIds, n, claim.at);
  // Its sender may have died before the order turned "offering".
  await startOffering(deps, order, now);
  const open = await deps.store.offers.openOfWave(order._id, n);
  if (open.length === 0) {
    // Either its sender is still at work (leave it be), or it died before making any offer
    // (or every offer was answered already): then the next wave may go.
    return inFlight ? { sent: 0, wave: n, none: 'raced' } : null;
  }
  await postOfferCards(deps, order, open);
  await deps.store.orders.setLastWave(order._id, now);
  deps.log.warn({ orderId: order._id, wave: n, offers: open.length }, 'offer wave resumed: its cards had not been queued');
  return { sent: open.length, wave: n };
}

/** Moves an order that is not offering yet to "offering" (its first wave is going out). */
async function startOffering(deps: ServiceDeps, order: OrderDoc, now: Date): Promise<void> {
  const [from, offering] = statusMove('startOffering');
  if (from.includes(order.status)) await deps.store.orders.moveStatus(order._id, from, offering, now);
}

/** What an offer card needs besides the order: the experts' chats, and their own earnings limits. */
interface CardLookups {
  chats: Promise<Map<string, ConversationDoc>>;
  guards: Promise<Map<string, EarningsGuardDoc>>;
}

/** The reads for the cards of these experts' offers; `everyChat`: a lookup of every chat already under way. */
function cardLookups(deps: ServiceDeps, experts: string[], everyChat?: Promise<Map<string, ConversationDoc>>): CardLookups {
  return {
    chats: everyChat ?? (experts.length <= FIRST_SLICE ? deps.store.conversations.personalOfFew(experts) : deps.store.conversations.personalOfMany(experts)),
    guards: deps.store.earningsGuards.many(experts),
  };
}

/** Stands for the offer id in a wave's rendered card; the id is put in per expert. */
const OFFER_ID_SLOT = 'offer-id-slot-7f3a9c';

/**
 * Queues the open offer card of each offer, keyed by the offer id (enqueueing a key again is a
 * no-op). A wave's cards differ only by the offer id, so each language's card is rendered once
 * and the id filled in: a wave of a thousand renders three templates, not a thousand (that was
 * most of the second before the first card went out).
 */
async function postOfferCards(deps: ServiceDeps, order: OrderDoc, offers: OfferDoc[], lookups = cardLookups(deps, offers.map((o) => o.expertId))): Promise<void> {
  const items: NewOutboxItem[] = [];
  const chats = await lookups.chats;
  const rendered = new Map<string, string>();
  const ctx = cardContext(deps);
  // An expert who keeps an earnings limit of their own gets a card of their own: the task's
  // gross fee and what they have earned so far (private to them; the others share one render).
  const guards = await lookups.guards;
  const guarded = new Map((await deps.store.experts.byIds([...guards.keys()])).map((e) => [e._id, e]));
  const cardFor = (locale: ReturnType<typeof pickLocale>, offerId: string) => {
    let json = rendered.get(locale);
    if (json === undefined) {
      json = JSON.stringify(offerCard({ ...order, status: 'offering' }, OFFER_ID_SLOT, 'open', locale, ctx));
      rendered.set(locale, json);
    }
    return JSON.parse(json.split(OFFER_ID_SLOT).join(JSON.stringify(offerId).slice(1, -1))) as ReturnType<typeof offerCard>;
  };
  for (const offer of offers) {
    const conv = chats.get(offer.expertId.toLowerCase());
    if (!conv) {
      deps.log.warn({ orderId: order._id, expertId: offer.expertId }, 'expert has no personal chat with the bot; offer not deliverable');
      continue;
    }
    const locale = pickLocale(conv.locale, deps.config.defaultLocale);
    const guard = guards.get(offer.expertId.toLowerCase());
    const card = guard
      ? offerCard({ ...order, status: 'offering' }, offer._id, 'open', locale, ctx, {
          extraFacts: await offerGuardFacts(deps, guard._id, guard, order, locale, guarded.get(guard._id)?.feePreference === 'volunteer'),
        })
      : cardFor(locale, offer._id);
    items.push({ key: `offer:${offer._id}`, conversationId: conv._id, activity: message(card), ...(conv.reachable ? { reference: conv.reference } : {}) });
  }
  await deps.postman.post(items);
}

/** Updates the expert's offer card in place (through the outbox) to show a new state. */
export async function updateOfferCard(deps: ServiceDeps, order: OrderDoc, offerId: string, expertId: string, state: OfferStatus, stateText?: string, at = deps.now().getTime()): Promise<NewOutboxItem | null> {
  const conv = await deps.store.conversations.personalOf(expertId);
  if (!conv) return null;
  const locale = pickLocale(conv.locale, deps.config.defaultLocale);
  const card = offerCard(order, offerId, state, locale, cardContext(deps), { stateText });
  return { key: `offer-update:${offerId}:${state}:${at}`, conversationId: conv._id, op: 'update', updateOf: `offer:${offerId}`, activity: message(card) };
}

/**
 * Card updates for offers just closed, to one state: one lookup of all the experts' chats, not
 * one per offer (each a scan on databases without filter pushdown, and the seat winner waits).
 * `at` names the change in the items' keys: a stable one (the cancellation's time) makes a
 * repeated run send nothing twice.
 */
export async function closedOfferCards(deps: ServiceDeps, order: OrderDoc, closed: { _id: string; expertId: string }[], state: OfferStatus, at = deps.now().getTime()): Promise<NewOutboxItem[]> {
  if (closed.length === 0) return [];
  const chats = await deps.store.conversations.personalOfMany(closed.map((o) => o.expertId));
  const ctx = cardContext(deps);
  return closed.flatMap((o) => {
    const conv = chats.get(o.expertId.toLowerCase());
    if (!conv) return [];
    const locale = pickLocale(conv.locale, deps.config.defaultLocale);
    const card = offerCard(order, o._id, state, locale, ctx);
    return [{ key: `offer-update:${o._id}:${state}:${at}`, conversationId: conv._id, op: 'update' as const, updateOf: `offer:${o._id}`, activity: message(card), ...(conv.reachable ? { reference: conv.reference } : {}) }];
  });
}

export type AcceptResult =
  | { kind: 'accepted'; order: OrderDoc }
  | { kind: 'already'; order: OrderDoc }
  | { kind: 'filled'; order: OrderDoc }
  | { kind: 'closed'; order: OrderDoc; state: OfferStatus }
  | { kind: 'notYours' }
  | { kind: 'notFound' };

/**
 * First accept wins, for as many seats as the order has: the seat is the unique id of an
 * assignment insert (src/store/assignments.ts), never a read followed by a write.
 */
export async function acceptOffer(deps: ServiceDeps, offerId: string, actorAad: string): Promise<AcceptResult> {
  const now = deps.now();
  // The offer's id names its order (OfferRepo.idOf): both are read at once, one round trip.
  // The order is used only once the offer says whose it is and of which order.
  const named = OfferRepo.partsOf(offerId)?.orderId;
  const [offer, guessed] = await Promise.all([deps.store.offers.get(offerId), named ? deps.store.orders.get(named) : Promise.resolve(null)]);
  if (!offer) return { kind: 'notFound' };
  if (offer.expertId !== actorAad) return { kind: 'notYours' };
  const order = guessed?._id === offer.orderId ? guessed : await deps.store.orders.get(offer.orderId);
  if (!order) return { kind: 'notFound' };
  const refusal = acceptRefusal(order, now);
  if (refusal === 'cancelled') return { kind: 'closed', order, state: 'cancelled' };
  if (refusal === 'offersClosed') {
    // Past the offers' expiry (or the order final): an old card of the task's holder still says
    // it is theirs; any other click, however replayed, is refused. An offer still open is closed
    // now, as the wave job would close it, so every card and the coordinators' view agree.
    if (offer.status === 'accepted') return { kind: 'already', order };
    if (offer.status === 'open') await deps.store.offers.respond(offerId, ['open'], 'expired', now);
    return { kind: 'closed', order, state: 'expired' };
  }
  // An offer closed with its order (cancelled) stays closed.
  if (!ACCEPT_FROM.includes(offer.status) && offer.status !== 'accepted') return { kind: 'closed', order, state: offer.status };
  const claim = await deps.store.assignments.claimSeat(order, actorAad, now);
  if (claim.kind === 'full') {
    // Not awaited: the answer does not depend on it, and if it is lost the seat winner's
    // closeOpen closes this offer anyway (its card then gets the same "filled" update). Only an
    // open offer changes (a late click on a closed one would be a write that changes nothing).
    if (offer.status === 'open') deps.store.offers.markFilled(offerId, now).catch((error: Error) => deps.log.warn({ offerId, err: error.name }, 'could not mark a late offer filled'));
    return { kind: 'filled', order };
  }
  // Won, or held already: a repeated click (a double click, an old card) runs the same steps,
  // which can all be repeated, and so also finishes what a crash right after the seat insert
  // left undone. The answer waits for them: whoever clicked sees it only once all are queued.
  await deps.store.offers.respond(offerId, ACCEPT_FROM, 'accepted', now);
  if (claim.kind === 'won') deps.log.info({ orderId: order._id, expertId: actorAad, seat: claim.assignment.seat }, 'seat taken');
  // The expert's own limit: reached with pausing chosen, they are told (once per period).
  await tellIfPaused(deps, actorAad, order).catch((error: Error) => deps.log.warn({ orderId: order._id, err: error.name }, 'could not check the earnings limit'));
  const current = await announceSeats(deps, order, now);
  return { kind: claim.kind === 'won' ? 'accepted' : 'already', order: current };
}

/**
 * Tells everyone where the order's seats stand after a seat was taken: with all taken the order
 * is 'filled', the other open offer cards turn "filled" in place and the orderer gets the
 * contacts; otherwise the orderer hears how many are taken. The coordinators' card follows.
 * The orderer's notice is keyed by the seats taken (the newest one's time), so running this
 * again (a repeated click, the offer-waves job after a crash) tells nobody twice. What goes to
 * different people is done side by side.
 */
async function announceSeats(deps: ServiceDeps, order: OrderDoc, now: Date): Promise<OrderDoc> {
  const live = (await deps.store.assignments.ofOrder(order._id)).filter((a) => a.status === 'accepted');
  if (live.length === 0) return order;
  const mark = `${order._id}:${Math.max(...live.map((a) => a.createdAt.getTime()))}`;
  if (live.length >= order.seats) {
    const current = (await deps.store.orders.moveStatus(order._id, ...statusMove('seatTaken'), now)) ?? { ...order, status: 'filled' as const };
    await Promise.all([onFilled(deps, current, `order-filled:${mark}`), brokeringUpdate(deps, current)]);
    return current;
  }
  const taken = { taken: live.length, seats: order.seats };
  await Promise.all([notifyOrderer(deps, order, 'order.seatTakenNotice', taken, `seat-taken:${mark}`), brokeringUpdate(deps, order)]);
  return order;
}

/**
 * An accept cut short by a crash after its seat insert (and not clicked again) leaves a seat
 * holder whose offer is not marked accepted, or an order with every seat taken that is still
 * 'offering'. This finishes it, as the click would have: run before each wave, so the holder's
 * card never turns "filled" and nobody is offered a seat that is taken. Returns the seats taken.
 */
async function finishCutShortAccepts(deps: ServiceDeps, order: OrderDoc, now: Date): Promise<number> {
  const [assignments, offers] = await Promise.all([deps.store.assignments.ofOrder(order._id), deps.store.offers.ofOrder(order._id)]);
  const live = assignments.filter((a) => a.status === 'accepted');
  const accepted = new Set(offers.filter((o) => o.status === 'accepted').map((o) => o.expertId));
  const unmarked = live.filter((a) => !accepted.has(a.expertId));
  if (unmarked.length === 0 && !(live.length >= order.seats && order.status === 'offering')) return live.length;
  for (const a of unmarked) await deps.store.offers.respond(OfferRepo.idOf(order._id, a.expertId), ACCEPT_FROM, 'accepted', now);
  deps.log.warn({ orderId: order._id, seats: live.length }, 'finishing an accept cut short');
  await announceSeats(deps, order, now);
  return live.length;
}

/** Every still-open offer card turns "filled" in place; the orderer gets the experts' contacts. */
async function onFilled(deps: ServiceDeps, order: OrderDoc, noticeKey: string): Promise<void> {
  const closeCards = async () => {
    const closed = await deps.store.offers.closeOpen(order._id, 'filled', deps.now());
    await deps.postman.post(await closedOfferCards(deps, order, closed, 'filled'));
  };
  await Promise.all([closeCards(), notifyOrderer(deps, order, 'order.filledNotice', { count: order.seats }, noticeKey)]);
}

export async function declineOffer(deps: ServiceDeps, offerId: string, actorAad: string, reason?: string): Promise<AcceptResult | { kind: 'declined'; order: OrderDoc }> {
  const offer = await deps.store.offers.get(offerId);
  if (!offer) return { kind: 'notFound' };
  if (offer.expertId !== actorAad) return { kind: 'notYours' };
  const order = await deps.store.orders.get(offer.orderId);
  if (!order) return { kind: 'notFound' };
  const after = await deps.store.offers.respond(offerId, ['open'], 'declined', deps.now(), reason);
  if (!after) return { kind: 'closed', order, state: offer.status };
  // A decline is never held against anyone: it is not counted anywhere in ranking.
  await maybeNextWave(deps, order._id);
  // The coordinators see each answer as it comes (with the reason, meant for them), and, when
  // nobody suitable is left, that they must act. Keyed by the answer: a repeat sends nothing new.
  await brokeringUpdate(deps, (await deps.store.orders.get(order._id)) ?? order, undefined, { key: `declined:${offerId}` });
  return { kind: 'declined', order };
}

/** When nobody still has an open offer and seats are free, the next wave goes at once. */
export async function maybeNextWave(deps: ServiceDeps, orderId: string): Promise<void> {
  const offers = await deps.store.offers.ofOrder(orderId);
  if (offers.some((o) => o.status === 'open')) return;
  await offerWave(deps, orderId);
}

export type WithdrawResult = { kind: 'withdrawn'; order: OrderDoc } | { kind: 'absent'; order: OrderDoc } | { kind: 'notFound' };

/**
 * An expert gives their seat back. Before the start the seat is freed and offered again; from
 * the start on it is no longer a withdrawal but "I could not come" (reportAbsence).
 */
export async function withdraw(deps: ServiceDeps, orderId: string, actorAad: string): Promise<WithdrawResult> {
  const now = deps.now();
  const order = await deps.store.orders.get(orderId);
  if (!order) return { kind: 'notFound' };
  if (order.startsAt.getTime() <= now.getTime()) {
    const absent = await reportAbsence(deps, order, actorAad, now);
    if (absent) return absent;
    const offer = await deps.store.offers.get(OfferRepo.idOf(orderId, actorAad));
    return offer?.status === 'withdrawn' ? { kind: 'withdrawn', order } : { kind: 'notFound' };
  }
  const gone = await deps.store.assignments.withdraw(orderId, actorAad, now);
  // A click running alongside (a double click) freed the seat and does what follows.
  if (gone && !gone.first) return { kind: 'withdrawn', order };
  if (gone) return afterWithdrawal(deps, order, actorAad, gone.record, now);
  // No seat held. Withdrawn before (an old card): answered as then. An offer still marked
  // accepted means a withdrawal whose follow-up a crash cut short: finish it now.
  const offer = await deps.store.offers.get(OfferRepo.idOf(orderId, actorAad));
  if (offer?.status === 'withdrawn') return { kind: 'withdrawn', order };
  const record = offer?.status === 'accepted' && canTransition(order.status, 'seatReleased') ? await deps.store.assignments.lastWithdrawal(orderId, actorAad) : null;
  return record ? afterWithdrawal(deps, order, actorAad, record._id, now) : { kind: 'notFound' };
}

/**
 * After the start a seat cannot be offered again: the expert's "withdraw" is recorded as an
 * absence (no fee, no travel; src/services/fees.ts) and reported to the coordinators, who
 * follow absences up. The seat stays the expert's, the order keeps its status and no wave goes.
 * Repeatable: the report is keyed by the assignment. Null when the expert holds no seat.
 */
async function reportAbsence(deps: ServiceDeps, order: OrderDoc, expertId: string, now: Date): Promise<{ kind: 'absent'; order: OrderDoc } | null> {
  const marked = await deps.store.assignments.markAbsent(order._id, expertId, now);
  if (!marked) return null;
  if (marked.first) deps.log.info({ orderId: order._id, expertId }, 'expert could not come');
  const channel = await deps.store.channels.coordinatorsChannel();
  if (channel) {
    const locale = coordinatorsLocale(deps, channel);
    const name = plainText((await deps.store.experts.get(expertId))?.displayName ?? '');
    const text = t(locale, 'order.absentNotice', { name, number: order._id, title: plainText(order.title), when: whenText(order, deps.config.timeZone, locale) });
    await deps.postman.post([{ key: `absent:${marked.assignment._id}`, conversationId: channel.conversationId, activity: message(await coordinatorAlert(deps, order._id, locale, text)) }]);
  }
  return { kind: 'absent', order };
}

/**
 * Withdrawals a crash cut short after the seat was freed, and that nobody finished by clicking
 * again: the offer still says accepted though the expert holds no seat (run by the offer-waves
 * job every minute over the last day's withdrawals).
 */
export async function finishCutShortWithdrawals(deps: ServiceDeps, now: Date): Promise<number> {
  let finished = 0;
  for (const w of await deps.store.assignments.withdrawnSince(new Date(now.getTime() - DAY))) {
    const offer = await deps.store.offers.get(OfferRepo.idOf(w.orderId, w.expertId));
    if (offer?.status !== 'accepted') continue;
    // Accepted again after withdrawing: the offer is rightly marked.
    if ((await deps.store.assignments.of(w.orderId, w.expertId))?.status === 'accepted') continue;
    const order = await deps.store.orders.get(w.orderId);
    // A cancelled or finished order keeps its accepted offers as they were.
    if (!order || !canTransition(order.status, 'seatReleased')) continue;
    deps.log.warn({ orderId: order._id }, 'finishing a withdrawal cut short');
    await afterWithdrawal(deps, order, w.expertId, w._id, now);
    finished += 1;
  }
  return finished;
}

/**
 * What follows a freed seat: the offer marked withdrawn, the order open again, the orderer and
 * the coordinators told, the next wave. Repeatable: the notice is keyed by the withdrawal.
 */
async function afterWithdrawal(deps: ServiceDeps, order: OrderDoc, expertId: string, record: string, now: Date): Promise<{ kind: 'withdrawn'; order: OrderDoc }> {
  await deps.store.offers.respond(OfferRepo.idOf(order._id, expertId), ['accepted'], 'withdrawn', now);
  const current = (await deps.store.orders.moveStatus(order._id, ...statusMove('seatReleased'), now)) ?? order;
  deps.log.info({ orderId: order._id, expertId }, 'expert withdrew');
  // No profile: the seat was released by the expert's erasure, and no name may be shown.
  const expert = await deps.store.experts.get(expertId);
  // Within the last hours before the start no offer goes out (offerWave): nobody is promised one.
  const key: MessageKey = offerExpired(order, undefined, now) ? 'order.withdrawnTooCloseNotice' : 'order.withdrawnNotice';
  const notice: { key: MessageKey; params: Record<string, string> } = expert
    ? { key, params: { name: plainText(expert.displayName) } }
    : { key: 'privacy.seatReleasedNotice', params: {} };
  await notifyOrderer(deps, current, notice.key, notice.params, `withdrawn:${record}`);
  await brokeringUpdate(deps, current, notice);
  await offerWave(deps, order._id);
  return { kind: 'withdrawn', order: current };
}
