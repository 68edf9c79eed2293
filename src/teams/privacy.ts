import { Application, TurnState } from './sdk';
import { z } from 'zod';
import { noticeCard, renderCard } from '../cards/render';
import { plainText } from '../cards/plainText';
import { t } from '../i18n';
import { coordinatorsLocale } from '../services/notify';
import { erasePerson, personalData } from '../services/privacy';
import { message } from '../services/views';
import { actorOf, scopeOf } from './activity';
import { replyLocaleOf } from './channels';
import { commandPattern } from './commands';
import { RouteDeps } from './deps';
import { aadIdSchema, refusalCard, replyCard, replyNotice, strip, userLocale } from './kit';
import { requireCoordinator } from './roles';

/** Export text kept readable in a card: ids and values, long arrays cut with a count. */
function exportText(data: Record<string, unknown>): string {
  const json = JSON.stringify(data, (_k, v: unknown) => (Array.isArray(v) && v.length > 50 ? [...v.slice(0, 50), `… +${v.length - 50}`] : v), 2);
  return json.length > 20_000 ? `${json.slice(0, 20_000)}\n…` : json;
}

const confirmSchema = z.object({ userId: aadIdSchema }).strict();

export function registerPrivacyRoutes(app: Application<TurnState>, deps: RouteDeps): void {
  app.message(commandPattern('myData'), async (c) => {
    const loc = userLocale(c, deps);
    const { aadObjectId } = actorOf(c);
    if (!aadObjectId || scopeOf(c) !== 'personal') {
      await replyNotice(c, t(loc, 'order.notPersonal'), 'attention');
      return;
    }
    const data = await personalData(deps, aadObjectId);
    const n = (k: string) => (Array.isArray(data[k]) ? (data[k] as unknown[]).length : data[k] ? 1 : 0);
    deps.log.info({ action: 'myData', user: aadObjectId }, 'data export');
    const card = renderCard('my-data', loc, {
      counts: [
        { label: t(loc, 'my-data.count.profile'), value: t(loc, data.expertProfile ? 'yes' : 'no') },
        { label: t(loc, 'my-data.count.orders'), value: String(n('ordersPlaced')) },
        { label: t(loc, 'my-data.count.offers'), value: String(n('offers')) },
        { label: t(loc, 'my-data.count.assignments'), value: String(n('assignments')) },
        { label: t(loc, 'privacy.count.feedbackAnswers'), value: String(n('feedbackAnswers')) },
        { label: t(loc, 'privacy.count.feedbackRequests'), value: String(n('feedbackRequests')) },
        { label: t(loc, 'privacy.count.erasureRequest'), value: t(loc, data.erasureRequest ? 'yes' : 'no') },
        { label: t(loc, 'my-data.count.access'), value: String(n('profileAccessLog')) },
      ],
      json: exportText(data),
      showErasure: true,
    });
    await replyCard(c, card);
  });

  app.adaptiveCards.actionExecute('privacy.requestErasure', async (c) => {
    const loc = userLocale(c, deps);
    const { aadObjectId } = actorOf(c);
    if (!aadObjectId) return refusalCard(loc, 'error.forbidden');
    await deps.store.privacy.requestErasure(aadObjectId, deps.now());
    const channel = await deps.store.channels.coordinatorsChannel();
    if (channel) {
      const who = (await deps.store.experts.get(aadObjectId))?.displayName ?? c.activity.from?.name ?? aadObjectId;
      const cl = coordinatorsLocale(deps, channel);
      const card = renderCard('erasure-request', cl, { text: t(cl, 'erasure.text', { who: plainText(who) }), userId: aadObjectId, showConfirm: true });
      await deps.postman.post([{ key: `erasure:${aadObjectId}`, conversationId: channel.conversationId, activity: message(card) }]);
    }
    deps.log.info({ action: 'requestErasure', user: aadObjectId }, 'erasure requested');
    return noticeCard(t(loc, 'my-data.requested'), 'good');
  });

  app.adaptiveCards.actionExecute('privacy.confirmErasure', async (c, _s, data) => {
    const loc = await replyLocaleOf(c, deps);
    if (!(await requireCoordinator(c, deps, 'confirmErasure'))) return refusalCard(loc, 'error.forbidden');
    const parsed = confirmSchema.safeParse(strip(data));
    if (!parsed.success) return refusalCard(loc, 'error.badInput');
    const request = await deps.store.privacy.request(parsed.data.userId);
    if (!request || request.status !== 'requested') return refusalCard(loc, 'erasure.notRequested');
    const done = renderCard('erasure-request', loc, { text: t(loc, 'erasure.done'), userId: parsed.data.userId, showConfirm: false });
    // The farewell to the person is the erasure's own last step (src/services/privacy.ts).
    const erased = await erasePerson(deps, parsed.data.userId, actorOf(c).aadObjectId ?? '');
    if (!erased) {
      // A confirmation running at the same time (a double click) finished it: the same answer.
      deps.log.info({ action: 'erase', user: parsed.data.userId }, 'erasure already done alongside');
      return done;
    }
    deps.log.info({ action: 'erase', user: parsed.data.userId }, 'personal data erased');
    return done;
  });
}
