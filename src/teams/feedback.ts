import { Application, TurnState } from './sdk';
import { z } from 'zod';
import { applyAnswer, feedbackCard, takeDebrief } from '../services/feedback';
import { FeedbackRepo, FeedbackRole } from '../store/feedback';
import { actorOf, str } from './activity';
import { replyLocaleOf } from './channels';
import { requireCoordinator } from './roles';
import { RouteDeps } from './deps';
import { echoedValues, optionalText, parseCardData, toggle } from './input';
import { aadIdSchema, orderNumberSchema, refusalCard, strip, userLocale } from './kit';

const num = (min: number, max: number) =>
  z.union([z.string().max(12), z.number()]).optional().transform((v, ctx) => {
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', params: { key: 'range' } });
      return z.NEVER;
    }
    return n;
  });
const scale = z.enum(['1', '2', '3', '4', '5']);
const common = { orderId: orderNumberSchema, tookPlace: z.enum(['yes', 'cancelled', 'noShow']), actualMinutes: num(0, 600), text: optionalText(2000) };
const ordererSchema = z.object({ ...common, goalsMet: scale, useful: scale, orderAgain: toggle }).strict();
const expertSchema = z.object({ ...common, howItWent: scale, travelKm: num(0, 2000), ticketEuros: num(0, 1000), debrief: toggle, anonymousText: optionalText(2000) }).strict();

const debriefActionSchema = z.object({ orderId: orderNumberSchema, expertId: aadIdSchema }).strict();

/** Feedback cards: identity from the activity; each card answered once, then shown as stored. */
export function registerFeedbackRoutes(app: Application<TurnState>, deps: RouteDeps): void {
  // "I'll call" on a debrief request in the coordinators' channel: coordinators only; the
  // taker is who clicked (from the activity), never anyone named in the card's data.
  app.adaptiveCards.actionExecute('feedback.takeDebrief', async (c, _s, data) => {
    const loc = await replyLocaleOf(c, deps);
    if (!(await requireCoordinator(c, deps, 'feedback.takeDebrief'))) return refusalCard(loc, 'error.forbidden');
    const parsed = debriefActionSchema.safeParse(strip(data));
    const actor = actorOf(c);
    if (!parsed.success || !actor.aadObjectId) return refusalCard(loc, 'error.badInput');
    const r = await takeDebrief(deps, parsed.data.orderId, parsed.data.expertId, { aadObjectId: actor.aadObjectId, userId: str(c.activity.from?.id), name: str(c.activity.from?.name) ?? '' }, loc);
    if (r.kind === 'notFound') return refusalCard(loc, 'debrief.notFound');
    return r.card;
  });

  for (const role of ['orderer', 'expert'] as FeedbackRole[]) {
    app.adaptiveCards.actionExecute(`feedback.${role}`, async (c, _s, data) => {
      const loc = userLocale(c, deps);
      const aad = actorOf(c).aadObjectId;
      const orderId = orderNumberSchema.safeParse((data as { orderId?: unknown } | null)?.orderId);
      const order = orderId.success ? await deps.store.orders.get(orderId.data) : null;
      if (!order || !aad) return refusalCard(loc, 'error.badInput');
      // Only the person this card was sent to: the request record names them. That also refuses
      // forged submits before the end, or from an expert whose assignment did not take place.
      const key = FeedbackRepo.keyOf(order._id, role, aad);
      const request = await deps.store.feedback.request(key);
      if (request?.role !== role || request.aadObjectId.toLowerCase() !== aad) {
        deps.log.warn({ action: `feedback.${role}`, orderId }, 'refused: not this card\'s recipient');
        return refusalCard(loc, 'feedback.notYours');
      }
      const existing = await deps.store.feedback.get(key);
      if (existing) {
        // Answered before: shown as stored, and its effects made sure of (a crash may have
        // come between storing the answer and applying it).
        await applyAnswer(deps, order, existing);
        return feedbackCard(deps, order, role, loc, { stored: existing });
      }
      const parsed = role === 'orderer' ? parseCardData(ordererSchema, data, 'feedback') : parseCardData(expertSchema, data, 'feedback');
      if (!parsed.ok) return feedbackCard(deps, order, role, loc, { values: echoedValues(data), errors: parsed.errors });
      const v = parsed.value as z.infer<typeof expertSchema> & z.infer<typeof ordererSchema>;
      const minutes = v.actualMinutes ?? order.durationMinutes;
      const answers: Record<string, string | number | boolean> = { tookPlace: v.tookPlace, actualMinutes: minutes };
      if (role === 'orderer') Object.assign(answers, { goalsMet: Number(v.goalsMet), useful: Number(v.useful), orderAgain: v.orderAgain });
      else Object.assign(answers, { howItWent: Number(v.howItWent), travelKm: v.travelKm ?? 0, ticketEuros: v.ticketEuros ?? 0, debrief: v.debrief });
      const saved = await deps.store.feedback.answer({
        _id: key, orderId: order._id, role, expertId: role === 'expert' ? aad : undefined, answers, text: v.text,
        debrief: role === 'expert' ? v.debrief : undefined, createdAt: deps.now(),
      }, role === 'expert' ? v.anonymousText : undefined);
      if (saved.isNew) deps.log.info({ orderId: order._id, role }, 'feedback stored');
      // The stored answer (the first, if two submits raced) is what takes effect.
      await applyAnswer(deps, order, saved.doc);
      return feedbackCard(deps, order, role, loc, { stored: saved.doc });
    });
  }
}
