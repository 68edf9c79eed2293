import { Application, TurnState } from './sdk';
import { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { t } from '../i18n';
import { personalDataFile } from '../services/privacy';
import { actorOf, scopeOf } from './activity';
import { RouteDeps } from './deps';
import { replyNotice, userLocale } from './kit';
import { isConfiguredCoordinator } from './roles';

/** The consent context of the `my data` file: it names no one (whose file it is comes from the click). */
export const MY_DATA_FILE = { file: 'myData' } as const;

const uploadInfoSchema = z.object({ name: z.string().max(300), uploadUrl: z.string().url(), contentUrl: z.string().url(), uniqueId: z.string().max(300), fileType: z.string().max(20).optional() }).passthrough();
const consentSchema = z.object({
  context: z.union([z.object({ exportId: z.string().uuid() }).strict(), z.object({ file: z.literal('myData') }).strict()]),
  uploadInfo: uploadInfoSchema.optional(),
}).passthrough();

type UploadInfo = z.infer<typeof uploadInfoSchema>;

/**
 * Files reach people as Teams file consent cards: on accept Teams gives an upload URL in the
 * person's OneDrive, the file is PUT there and a file card follows. Two files: the payroll CSV
 * (coordinators; kept a few days by the fee run) and `my data` (anyone, in their 1:1 chat;
 * made at the moment they accept, from their own id on the click, and never stored).
 */
export function registerFileRoutes(app: Application<TurnState>, deps: RouteDeps): void {
  app.fileConsentAccept(async (c, _state, response) => {
    const loc = userLocale(c, deps);
    const parsed = consentSchema.safeParse(response);
    if (!parsed.success || !parsed.data.uploadInfo) {
      await replyNotice(c, t(loc, 'error.forbidden'), 'attention');
      return;
    }
    const info = parsed.data.uploadInfo;
    const context = parsed.data.context;
    if ('file' in context) {
      const { aadObjectId } = actorOf(c);
      if (!aadObjectId || scopeOf(c) !== 'personal') {
        await replyNotice(c, t(loc, 'order.notPersonal'), 'attention');
        return;
      }
      await upload(c, info, await personalDataFile(deps, aadObjectId), 'json');
      deps.log.info({ action: 'myDataFile', user: aadObjectId }, 'personal data file delivered');
      return;
    }
    if (!isConfiguredCoordinator(c, deps)) {
      await replyNotice(c, t(loc, 'error.forbidden'), 'attention');
      return;
    }
    const file = await deps.store.feeExports.get(context.exportId);
    if (!file) {
      await replyNotice(c, t(loc, 'fees.fileGone'), 'attention');
      return;
    }
    await upload(c, info, Buffer.from(file.csv, 'utf8'), 'csv');
    deps.log.info({ exportId: file._id, month: file.month }, 'payroll file delivered');
  });
  app.fileConsentDecline(async (c, _state, response) => {
    const parsed = consentSchema.safeParse(response);
    const isMyData = parsed.success && 'file' in parsed.data.context;
    await replyNotice(c, t(userLocale(c, deps), isMyData ? 'my-data.fileDeclined' : 'fees.fileDeclined'));
  });
}

/** PUTs the whole file to the upload URL Teams gave, then shows it as a file card in the chat. */
async function upload(c: TurnContext, info: UploadInfo, body: Buffer, fileType: string): Promise<void> {
  const res = await fetch(info.uploadUrl, {
    method: 'PUT',
    headers: { 'Content-Length': String(body.length), 'Content-Range': `bytes 0-${body.length - 1}/${body.length}` },
    body: new Uint8Array(body),
  });
  if (!res.ok) throw new Error(`file upload failed with HTTP ${res.status}`);
  await c.sendActivity({
    attachments: [{ contentType: 'application/vnd.microsoft.teams.card.file.info', contentUrl: info.contentUrl, name: info.name, content: { uniqueId: info.uniqueId, fileType: info.fileType ?? fileType } }],
  });
}
