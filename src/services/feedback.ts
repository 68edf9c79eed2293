import { AdaptiveCard, renderCard } from '../cards/render';
import { FormValues } from '../cards/views';
import { plainText } from '../cards/plainText';
import { coordinatorsLocale } from './notify';
import { localParts } from '../domain/time';
import { Locale, MessageKey, pickLocale, t } from '../i18n';
import { FeedbackDoc, FeedbackRepo, FeedbackRole } from '../store/feedback';
import { OrderDoc } from '../store/orders';
import { ServiceDeps } from './deps';
import { message, whenText } from './views';
import { statusMove } from '../domain/orderLifecycle';

const SCALE = ['1', '2', '3', '4', '5'];
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
  return renderCard(card, locale, {
    task: `${order._id} · ${plainText(order.title)} · ${whenText(order, deps.config.timeZone, locale)}`,
    orderId: order._id,
    answered: !!o.stored,
    stored,
    errors,
    values: { ...defaults, ...(o.values ?? {}) },
    choices: { tookPlace: TOOK_PLACE.map((v) => ({ title: t(locale, `tookPlace.${v}`), value: v })), scale: SCALE.map((v) => ({ title: v, value: v })) },
  });
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

/** A debrief request reaches the coordinators at once, not in the next digest. */
async function routeDebrief(deps: ServiceDeps, order: OrderDoc, expertId: string): Promise<void> {
  const channel = await deps.store.channels.coordinatorsChannel();
  if (!channel) return;
  const name = (await deps.store.experts.get(expertId))?.displayName ?? '';
  const loc = coordinatorsLocale(deps, channel);
  await deps.postman.post([{
    key: `debrief:${order._id}:${expertId}`,
    conversationId: channel.conversationId,
    activity: message(renderCard('notice', loc, { text: t(loc, 'feedback.debriefRequest', { name: plainText(name), number: order._id, title: plainText(order.title) }), tone: 'attention' })),
  }]);
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
