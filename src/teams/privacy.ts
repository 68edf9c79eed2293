import { Application, TurnState } from './sdk';
import { z } from 'zod';
import { noticeCard, renderCard } from '../cards/render';
import { plainText } from '../cards/plainText';
import { t } from '../i18n';
import { coordinatorsLocale } from '../services/notify';
import { erasePerson, myDataCard, personalData } from '../services/privacy';
import { localParts } from '../domain/time';
import { MY_DATA_FILE } from './files';
import { message } from '../services/views';
import { actorOf, scopeOf } from './activity';
import { replyLocaleOf } from './channels';
import { commandPattern } from './commands';
import { RouteDeps } from './deps';
import { aadIdSchema, refusalCard, replyCard, replyNotice, strip, userLocale } from './kit';
import { requireCoordinator } from './roles';

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
    deps.log.info({ action: 'myData', user: aadObjectId }, 'data export');
    await replyCard(c, myDataCard(deps, data, loc, { withFile: true }));
    // The whole export as a file, through Teams' file consent (saved to their OneDrive on accept).
    // The size is today's; the file itself is made from the data as it is when they accept.
    const date = localParts(deps.now(), deps.config.timeZone).date;
    await c.sendActivity({
      attachments: [{
        contentType: 'application/vnd.microsoft.teams.card.file.consent',
        name: t(loc, 'my-data.fileName', { date }),
        content: { description: t(loc, 'my-data.fileDescription'), sizeInBytes: Buffer.byteLength(JSON.stringify(data, null, 2), 'utf8'), acceptContext: MY_DATA_FILE, declineContext: MY_DATA_FILE },
      }],
    });
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
