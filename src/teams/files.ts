import { Application, TurnState } from './sdk';
import { z } from 'zod';
import { t } from '../i18n';
import { RouteDeps } from './deps';
import { replyNotice, userLocale } from './kit';
import { isConfiguredCoordinator } from './roles';

const consentSchema = z.object({
  context: z.object({ exportId: z.string().uuid() }).strict(),
  uploadInfo: z.object({ name: z.string().max(300), uploadUrl: z.string().url(), contentUrl: z.string().url(), uniqueId: z.string().max(300), fileType: z.string().max(20).optional() }).passthrough().optional(),
}).passthrough();

/**
 * The payroll CSV reaches a coordinator as a Teams file consent card: on accept Teams gives
 * an upload URL in the coordinator's OneDrive, the file is PUT there and a file card follows.
 */
export function registerFileRoutes(app: Application<TurnState>, deps: RouteDeps): void {
  app.fileConsentAccept(async (c, _state, response) => {
    const loc = userLocale(c, deps);
    const parsed = consentSchema.safeParse(response);
    if (!parsed.success || !parsed.data.uploadInfo || !isConfiguredCoordinator(c, deps)) {
      await replyNotice(c, t(loc, 'error.forbidden'), 'attention');
      return;
    }
    const file = await deps.store.feeExports.get(parsed.data.context.exportId);
    if (!file) {
      await replyNotice(c, t(loc, 'fees.fileGone'), 'attention');
      return;
    }
    const body = Buffer.from(file.csv, 'utf8');
    const upload = await fetch(parsed.data.uploadInfo.uploadUrl, {
      method: 'PUT',
      headers: { 'Content-Length': String(body.length), 'Content-Range': `bytes 0-${body.length - 1}/${body.length}` },
      body,
    });
    if (!upload.ok) throw new Error(`file upload failed with HTTP ${upload.status}`);
    const info = parsed.data.uploadInfo;
    await c.sendActivity({
      attachments: [{ contentType: 'application/vnd.microsoft.teams.card.file.info', contentUrl: info.contentUrl, name: info.name, content: { uniqueId: info.uniqueId, fileType: info.fileType ?? 'csv' } }],
    });
    deps.log.info({ exportId: file._id, month: file.month }, 'payroll file delivered');
  });
  app.fileConsentDecline(async (c) => {
    await replyNotice(c, t(userLocale(c, deps), 'fees.fileDeclined'));
  });
}
