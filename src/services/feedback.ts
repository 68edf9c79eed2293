import { AdaptiveCard, renderCard } from '../cards/render';
import { FormValues } from '../cards/views';
import { plainText } from '../cards/plainText';
import { coordinatorsLocale } from './notify';
import { localParts } from '../domain/time';
import { Locale, MessageKey, pickLocale, t } from '../i18n';
import { FeedbackDoc, FeedbackRepo, FeedbackRole } from '../store/feedback';
import { HandlerRepo } from '../store/handlers';
import { mentionTag, withMentions } from '../cards/mentions';
import { formatWhen } from '../i18n/format';
import { Coordinator, mentionOf, orderHandler } from './handlers';
import { OrderDoc } from '../store/orders';
import { ServiceDeps } from './deps';
import { message, whenText } from './views';
import { statusMove } from '../domain/orderLifecycle';

const SCALE = ['1', '2', '3', '4', '5'];
/** The feedback cards' Input.Number fields. */
const NUMBER_INPUTS = new Set(['actualMinutes', 'travelKm', 'ticketEuros']);
const TOOK_PLACE = ['yes', 'cancelled', 'noShow'] as const;

export function feedbackCard(deps: ServiceDeps, order: OrderDoc, role: FeedbackRole, locale: Locale, o: { stored?: FeedbackDoc | null; values?: FormValues; errors?: Record<string, string> } = {}): AdaptiveCard {
  const card = role === 'orderer' ? 'feedback-orderer' : 'feedback-expert';
  const errors: Record<string, string> = {};
  for (const [f, key] of Object.entries(o.errors ?? {})) errors[f] = t(locale, key as MessageKey);
  const stored = o.stored
    ? Object.entries({ ...o.stored.answers, ...(o.stored.text ? { text: o.stored.text } : {}) }).map(([k, v]) => ({
        label: t(locale, `${card}.field.${k}` as MessageKey),
        value: k === 'tookPlace' ? t(locale, `tookPlace.${v}` as MessageKey) : typeof v === 'boolean' ? t(locale, v ? 'yes' : 'no') : String(v),
      }))
    : [];
  const defaults = { tookPlace: 'yes', actualMinutes: order.durationMinutes, goalsMet: '', useful: '', howItWent: '', text: '', orderAgain: 'false', debrief: 'false', travelKm: '', ticketEuros: '', anonymousText: '' };
  // Teams sends a number input's value as text; echoed back as text into a refused form, the
  // client drops it and the person's typed number is gone. Numbers go back as numbers.
  const echoed = Object.fromEntries(Object.entries(o.values ?? {}).map(([k, v]) =>
    [k, NUMBER_INPUTS.has(k) && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v]));
  return renderCard(card, locale, {
    task: `${order._id} · ${plainText(order.title)} · ${whenText(order, deps.config.timeZone, locale)}`,
    orderId: order._id,
    answered: !!o.stored,
    stored,
    errors,
    values: { ...defaults, ...echoed },
    choices: { tookPlace: TOOK_PLACE.map((v) => ({ title: t(locale, `tookPlace.${v}`), value: v })), scale: SCALE.map((v) => ({ title: v, value: v })) },
  });
}

/** A feedback card's answers as the route parsed them (scales as their '1'…'5' strings). */
export interface FeedbackForm {
  tookPlace: 'yes' | 'cancelled' | 'noShow';
  actualMinutes?: number;
  text?: string;
  // The orderer's card
  goalsMet?: string;
  useful?: string;
  orderAgain?: boolean;
  // The expert's card
  howItWent?: string;
  travelKm?: number;
  ticketEuros?: number;
  debrief?: boolean;
  anonymousText?: string;
}

/** A submitted feedback card: its answers, or what was wrong with them (shown on the card again). */
export type FeedbackSubmission = { ok: true; form: FeedbackForm } | { ok: false; values: FormValues; errors: Record<string, string> };

export type SubmitFeedbackResult = { kind: 'refused'; reason: 'badInput' | 'notYours' } | { kind: 'card'; card: AdaptiveCard };

/**
 * Someone submits the feedback card they were sent. Only the person the request record names
 * may answer: that also refuses forged submits before the end, or from an expert whose
 * assignment did not take place. Each card is answered once; a later submit shows the answer
 * as stored. Invalid answers matter only for a card not yet answered: they come back on it.
 */
export async function submitFeedback(deps: ServiceDeps, orderId: string, role: FeedbackRole, aadObjectId: string, submission: FeedbackSubmission, locale: Locale): Promise<SubmitFeedbackResult> {
  const order = await deps.store.orders.get(orderId);
  if (!order) return { kind: 'refused', reason: 'badInput' };
  const key = FeedbackRepo.keyOf(order._id, role, aadObjectId);
  const request = await deps.store.feedback.request(key);
  if (request?.role !== role || request.aadObjectId.toLowerCase() !== aadObjectId) {
    deps.log.warn({ action: `feedback.${role}`, orderId: order._id }, 'refused: not this card\'s recipient');
    return { kind: 'refused', reason: 'notYours' };
  }
  const existing = await deps.store.feedback.get(key);
  if (existing) {
    // Answered before: shown as stored, and its effects made sure of (a crash may have
    // come between storing the answer and applying it).
    await applyAnswer(deps, order, existing);
    return { kind: 'card', card: feedbackCard(deps, order, role, locale, { stored: existing }) };
  }
  if (!submission.ok) return { kind: 'card', card: feedbackCard(deps, order, role, locale, { values: submission.values, errors: submission.errors }) };
  const v = submission.form;
  const answers: Record<string, string | number | boolean> = { tookPlace: v.tookPlace, actualMinutes: v.actualMinutes ?? order.durationMinutes };
  if (role === 'orderer') Object.assign(answers, { goalsMet: Number(v.goalsMet), useful: Number(v.useful), orderAgain: v.orderAgain });
  else Object.assign(answers, { howItWent: Number(v.howItWent), travelKm: v.travelKm ?? 0, ticketEuros: v.ticketEuros ?? 0, debrief: v.debrief });
  const saved = await deps.store.feedback.answer({
    _id: key, orderId: order._id, role, expertId: role === 'expert' ? aadObjectId : undefined, answers, text: v.text,
    debrief: role === 'expert' ? v.debrief : undefined, createdAt: deps.now(),
  }, role === 'expert' ? v.anonymousText : undefined);
  if (saved.isNew) deps.log.info({ orderId: order._id, role }, 'feedback stored');
  // The stored answer (the first, if two submits raced) is what takes effect.
  await applyAnswer(deps, order, saved.doc);
  return { kind: 'card', card: feedbackCard(deps, order, role, locale, { stored: saved.doc }) };
}

/**
 * When the task's end has passed: the orderer and each expert get their own feedback card,
 * and then the order and its assignments are done. Cards first: the job only picks orders not
 * yet done, so a crash after the status move would lose the cards for good, while a repeat
 * of the sending is harmless (outbox keys, unique request ids).
 */
export async function requestFeedback(deps: ServiceDeps, order: OrderDoc, now: Date = deps.now()): Promise<void> {
  const live = (await deps.store.assignments.ofOrder(order._id)).filter((a) => a.status === 'accepted' || a.status === 'done');
  if (live.length === 0) return;
  const targets: { role: FeedbackRole; aad: string; expertId?: string }[] = [
    { role: 'orderer', aad: order.orderer.aadObjectId },
    ...live.map((a) => ({ role: 'expert' as const, aad: a.expertId, expertId: a.expertId })),
  ];
  for (const target of targets) {
    const conv = (await deps.store.conversations.personalOf(target.aad)) ?? (target.role === 'orderer' ? await deps.store.conversations.get(order.conversationId) : null);
    if (!conv) continue;
    const key = FeedbackRepo.keyOf(order._id, target.role, target.expertId);
    const locale = pickLocale(conv.locale, deps.config.defaultLocale);
    await deps.postman.post([{ key: `feedback-request:${key}`, conversationId: conv._id, activity: message(feedbackCard(deps, order, target.role, locale)) }]);
    await deps.store.feedback.recordRequest({ _id: key, orderId: order._id, role: target.role, aadObjectId: target.aad.toLowerCase(), conversationId: conv._id, sentAt: now, nudges: 0 });
  }
  await deps.store.assignments.markDone(order._id, now);
  await deps.store.orders.moveStatus(order._id, ...statusMove('complete'), now);
}

/**
 * What a stored answer changes elsewhere: the confirmed duration and outcome, travel costs,
 * the anonymous text, the debrief request. Every step can be repeated, and all of them run
 * again whenever the card is submitted again, so an answer stored just before a crash still
 * takes effect. An answer for an assignment already settled is written too: the next
 * settlement pays the difference as an adjustment (services/fees.ts).
 */
export async function applyAnswer(deps: ServiceDeps, order: OrderDoc, answer: FeedbackDoc): Promise<void> {
  const a = answer.answers;
  if (answer.role === 'orderer') {
    // The orderer's confirmed duration and outcome go onto the assignments: the fee uses them.
    const outcome = a.tookPlace === 'yes' ? 'held' : a.tookPlace === 'noShow' ? 'noShow' : 'cancelled';
    await deps.store.assignments.confirmOutcome(order._id, Number(a.actualMinutes), outcome, deps.now());
    return;
  }
  if (!answer.expertId) return;
  await deps.store.assignments.recordTravel(order._id, answer.expertId, Number(a.travelKm ?? 0), Math.round(Number(a.ticketEuros ?? 0) * 100), deps.now());
  await deps.store.feedback.moveAnonymous(answer, monthOf(answer.createdAt, deps.config.timeZone));
  if (answer.debrief) await routeDebrief(deps, order, answer.expertId);
}

/**
 * The clean-up job's feedback step: anonymous texts a crash left in their answers (and no
 * later submit moved) are moved, then free texts older than FEEDBACK_RETENTION_DAYS go.
 */
export async function feedbackRetention(deps: ServiceDeps, now: Date): Promise<Record<string, number>> {
  const stranded = await deps.store.feedback.strandedAnonymous(new Date(now.getTime() - 3_600_000));
  for (const answer of stranded) await deps.store.feedback.moveAnonymous(answer, monthOf(answer.createdAt, deps.config.timeZone));
  const cutoff = new Date(now.getTime() - deps.config.feedbackRetentionDays * 86_400_000);
  return { anonymousMoved: stranded.length, ...(await deps.store.feedback.removeTextsBefore(cutoff, monthOf(cutoff, deps.config.timeZone))) };
}

/**
 * A debrief request reaches the coordinators at once, not in the next digest: a card in their
 * channel with the expert's wish and contact (coordinators may see them; never a group chat)
 * and an "I'll call" button. The coordinator who took the order on is @mentioned.
 */
async function routeDebrief(deps: ServiceDeps, order: OrderDoc, expertId: string): Promise<void> {
  const channel = await deps.store.channels.coordinatorsChannel();
  if (!channel) return;
  const loc = coordinatorsLocale(deps, channel);
  await deps.postman.post([{ key: debriefCardKey(order._id, expertId), conversationId: channel.conversationId, activity: message(await debriefCard(deps, order, expertId, loc)) }]);
}

/** The outbox key of a debrief request's card: its later updates name it (and the expert, for erasure). */
function debriefCardKey(orderId: string, expertId: string): string {
  return `debrief:${orderId}:${expertId}`;
}

/**
 * The debrief request's card as it stands: open (the order's coordinator @mentioned, the
 * button) or taken ("Kaisa hoitaa tämän", the taker @mentioned, no button). `note`: a line
 * for the one who clicked only (e.g. who had already taken it).
 */
export async function debriefCard(deps: ServiceDeps, order: OrderDoc, expertId: string, locale: Locale, note?: string): Promise<AdaptiveCard> {
  const [expert, handler] = await Promise.all([deps.store.experts.get(expertId), deps.store.handlers.get(HandlerRepo.debriefKey(order._id, expertId))]);
  const taker = mentionOf(handler);
  const notify = handler ? taker : await orderHandler(deps, order._id);
  const status = !handler
    ? t(locale, 'debrief.open')
    : taker
      ? t(locale, 'debrief.taken', { name: mentionTag(taker), when: formatWhen(locale, handler.at, deps.config.timeZone) })
      : t(locale, 'debrief.takenByCoordinator');
  const facts = [
    ...(expert?.phone ? [{ label: t(locale, 'debrief.phone'), value: plainText(expert.phone) }] : []),
    ...(expert?.email ? [{ label: t(locale, 'debrief.email'), value: plainText(expert.email) }] : []),
  ];
  const card = renderCard('debrief', locale, {
    ...(notify && !handler ? { attention: mentionTag(notify) } : {}),
    request: t(locale, 'feedback.debriefRequest', { name: plainText(expert?.displayName ?? ''), number: order._id, title: plainText(order.title) }),
    facts,
    status,
    taken: !!handler,
    ...(note ? { note } : {}),
    orderId: order._id,
    expertId,
  });
  return notify ? withMentions(card, [notify]) : card;
}

export type TakeDebriefResult = { kind: 'taken' | 'already'; card: AdaptiveCard } | { kind: 'notFound' };

/**
 * A coordinator takes a debrief request on ("I'll call"). The first click is recorded (a
 * unique insert) and the card is updated in place for everyone; a later click, by anyone,
 * changes nothing and is told who has it. Only a request the expert really made is taken.
 */
export async function takeDebrief(deps: ServiceDeps, orderId: string, expertId: string, coordinator: Coordinator, locale: Locale): Promise<TakeDebriefResult> {
  const [order, answer] = await Promise.all([deps.store.orders.get(orderId), deps.store.feedback.get(FeedbackRepo.keyOf(orderId, 'expert', expertId))]);
  if (!order || !answer?.debrief || answer.expertId !== expertId) return { kind: 'notFound' };
  const now = deps.now();
  const taken = await deps.store.handlers.take({
    _id: HandlerRepo.debriefKey(orderId, expertId), kind: 'debrief', orderId, expertId,
    coordinator: { aadObjectId: coordinator.aadObjectId.toLowerCase(), name: coordinator.name, ...(coordinator.userId ? { userId: coordinator.userId } : {}) }, at: now,
  });
  if (!taken.isNew) {
    const by = mentionOf(taken.doc);
    const note = by ? t(locale, 'debrief.already', { name: plainText(by.name) }) : t(locale, 'debrief.takenByCoordinator');
    return { kind: 'already', card: await debriefCard(deps, order, expertId, locale, note) };
  }
  deps.log.info({ orderId, expertId }, 'debrief taken on');
  // Everyone in the channel sees who has it: the posted card is updated in place (in the
  // channel's language); the one who clicked gets the same card as the answer.
  const channel = await deps.store.channels.coordinatorsChannel();
  if (channel && (await deps.store.outbox.has(debriefCardKey(orderId, expertId)))) {
    const cl = coordinatorsLocale(deps, channel);
    await deps.postman.post([{ key: `${debriefCardKey(orderId, expertId)}:taken`, conversationId: channel.conversationId, op: 'update', updateOf: debriefCardKey(orderId, expertId), activity: message(await debriefCard(deps, order, expertId, cl)) }]);
  }
  return { kind: 'taken', card: await debriefCard(deps, order, expertId, locale) };
}

export function monthOf(now: Date, timeZone: string): string {
  return localParts(now, timeZone).date.slice(0, 7);
}

/** The daily digest's lines about feedback: answers still missing, debriefs asked for in the last day. */
export async function feedbackDigestFacts(deps: ServiceDeps, now: Date, locale: Locale): Promise<{ label: string; value: string }[]> {
  const [missing, debriefs] = await Promise.all([deps.store.feedback.missingCount(), deps.store.feedback.debriefsSince(new Date(now.getTime() - 86_400_000))]);
  return [
    { label: t(locale, 'digest.missingFeedback'), value: String(missing) },
    { label: t(locale, 'digest.debriefs'), value: String(debriefs) },
  ];
}
