import { Application, TurnState } from './sdk';
import { z } from 'zod';
import { FeedbackSubmission, submitFeedback, takeDebrief } from '../services/feedback';
import { FeedbackRole } from '../store/feedback';
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
      if (!orderId.success || !aad) return refusalCard(loc, 'error.badInput');
      const parsed = role === 'orderer' ? parseCardData(ordererSchema, data, 'feedback') : parseCardData(expertSchema, data, 'feedback');
      const submission: FeedbackSubmission = parsed.ok ? { ok: true, form: parsed.value } : { ok: false, values: echoedValues(data), errors: parsed.errors };
      const r = await submitFeedback(deps, orderId.data, role, aad, submission, loc);
      if (r.kind === 'refused') return refusalCard(loc, r.reason === 'notYours' ? 'feedback.notYours' : 'error.badInput');
      return r.card;
    });
  }
}
