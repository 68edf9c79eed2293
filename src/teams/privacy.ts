import { Application, TurnState } from './sdk';
import { z } from 'zod';
import { noticeCard, renderCard } from '../cards/render';
import { t } from '../i18n';
import { confirmErasure, myDataCard, personalData, requestErasure } from '../services/privacy';
import { localParts } from '../domain/time';
import { MY_DATA_FILE } from './files';
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
    await requestErasure(deps, aadObjectId, c.activity.from?.name);
    return noticeCard(t(loc, 'my-data.requested'), 'good');
  });

  app.adaptiveCards.actionExecute('privacy.confirmErasure', async (c, _s, data) => {
    const loc = await replyLocaleOf(c, deps);
    if (!(await requireCoordinator(c, deps, 'confirmErasure'))) return refusalCard(loc, 'error.forbidden');
    const parsed = confirmSchema.safeParse(strip(data));
    if (!parsed.success) return refusalCard(loc, 'error.badInput');
    const r = await confirmErasure(deps, parsed.data.userId, actorOf(c).aadObjectId ?? '');
    if (r.kind === 'notRequested') return refusalCard(loc, 'erasure.notRequested');
    // Erased now or by a confirmation alongside (a double click): the same answer.
    return renderCard('erasure-request', loc, { text: t(loc, 'erasure.done'), userId: parsed.data.userId, showConfirm: false });
  });
}
