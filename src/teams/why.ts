import { Application, TurnState } from './sdk';
import { cardAttachment, noticeCard, renderCard } from '../cards/render';
import { explainMatch } from '../domain/matching';
import { MessageKey, t } from '../i18n';
import { asCandidate, matchContext } from '../services/offering';
import { guardForCoordinators } from '../services/benefitGuard';
import { actorOf, localeOf } from './activity';
import { RouteDeps } from './deps';
import { isCoordinator } from './roles';

/** `why <expert name> <order number>`: which matching filters the expert passes or fails. */
export const WHY_PATTERN = /^\s*(?:why|miksi|varför)\s+(.+?)\s+(T-\d{4}-\d{4,6})\s*$/i;

export function registerWhyRoute(app: Application<TurnState>, deps: RouteDeps): void {
  app.message(/^\s*(?:why|miksi|varför)(?:\s|$)/i, async (c) => {
    const loc = localeOf(c, deps.config.defaultLocale);
    const say = (text: string) => c.sendActivity({ attachments: [cardAttachment(noticeCard(text, 'attention'))] });
    if (!(await isCoordinator(c, deps))) {
      deps.log.warn({ action: 'why', actor: actorOf(c).aadObjectId }, 'refused: not a coordinator');
      await say(t(loc, 'error.forbidden'));
      return;
    }
    const m = WHY_PATTERN.exec(c.activity.text ?? '');
    if (!m || m[1].length > 100) {
      await say(t(loc, 'why.usage'));
      return;
    }
    const name = m[1].toLowerCase();
    const order = await deps.store.orders.get(m[2].toUpperCase());
    const expert = (await deps.store.experts.col.find({}).project({ displayName: 1 }).toArray()).find((e) => String(e.displayName).toLowerCase().includes(name));
    if (!order || !expert) {
      await say(t(loc, 'why.notFound'));
      return;
    }
    const doc = (await deps.store.experts.get(String(expert._id)))!;
    await deps.store.privacy.logAccess(doc._id, actorOf(c).aadObjectId ?? 'unknown', 'why', deps.now());
    const { ctx } = await matchContext(deps, order);
    const results = explainMatch(asCandidate(doc), order, ctx);
    // The expert's own earnings limit: only that it exists, and whether it pauses this task's offers.
    const guard = await guardForCoordinators(deps, doc._id, order);
    const guardLine = guard === 'none' ? [] : [{ label: t(loc, 'guard.coordinatorLabel'), value: t(loc, guard === 'paused' ? 'guard.coordinatorPaused' : 'guard.coordinatorSet') }];
    const card = renderCard('why', loc, {
      heading: t(loc, 'why.heading', { name: doc.displayName, number: order._id }),
      filters: [...results.map((r) => ({ label: t(loc, `filter.${r.filter}` as MessageKey), value: t(loc, r.pass ? 'why.pass' : 'why.fail') })), ...guardLine],
      summary: t(loc, results.every((r) => r.pass) && guard !== 'paused' ? 'why.eligible' : 'why.notEligible'),
    });
    await c.sendActivity({ attachments: [cardAttachment(card)] });
  });
}
