import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Activity } from '../support/activities';
import { Harness, startHarness } from '../support/harness';
import { execute, personalMessage, text, User, user } from '../support/teams';

// Every invoke gets a well-formed answer, also when handling it fails: an Adaptive Card action
// its notice card, a task module or messaging extension a "message" response, and invokes
// whose response cannot carry text (file consent, unknown names) 503 while the database is
// down (else 200), with the localized notice in the chat. Never 501 (which CloudAdapter
// answers when the error handler leaves an invoke unanswered).
//
// A FerretDB of this file's own, as in db-outage.test.ts: stopping the shared one would break
// the other test files.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startFerretDb, freePort } = require('../../scripts/lib/ferretdb.cjs') as {
  startFerretDb(o: { dataDir: string; port?: number }): Promise<{ uri: string; stop(): Promise<void> }>;
  freePort(): Promise<number>;
};

const UNAVAILABLE_FI = 'Palvelu ei ole juuri nyt käytettävissä';
const GENERIC_FI = 'Jokin meni vikaan';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'valittaja-trust-invoke-'));
const coordinator = user('Kaisa Koordinaattori');
let port: number;
let db: { uri: string; stop(): Promise<void> } | undefined;
let h: Harness;

/** An invoke of any name in the user's 1:1 chat, as Teams sends it. */
function invoke(u: User, name: string, value: unknown): Activity {
  return { ...(execute(h, u, 'noop', {}) as unknown as Record<string, unknown>), name, value } as unknown as Activity;
}

function fileConsent(u: User, action: 'accept' | 'decline', uploadUrl = 'https://contoso-my.sharepoint.com/upload/1'): Activity {
  return invoke(u, 'fileConsent/invoke', {
    type: 'fileUpload',
    action,
    context: { exportId: randomUUID() },
    uploadInfo: { name: 'palkkiot-2026-01.csv', uploadUrl, contentUrl: 'https://contoso-my.sharepoint.com/file/1', uniqueId: 'u-1', fileType: 'csv' },
  });
}

async function notices(u: User, n: number): Promise<string> {
  await h.connector.waitFor(() => h.connector.sentTo(u.personal).length >= n, 10_000);
  return h.connector.sentTo(u.personal).map(text).join('\n');
}

beforeAll(async () => {
  port = await freePort();
  db = await startFerretDb({ dataDir, port });
  h = await startHarness(__filename, { MONGODB_URI: db.uri, COORDINATOR_AAD_IDS: coordinator.aad });
  await h.post(personalMessage(h, coordinator, 'ohje'));
}, 90_000);

afterAll(async () => {
  await h?.stop();
  await db?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('a failing file consent upload is acknowledged (200, not 501) and the coordinator is told in the chat', async () => {
  const file = await h.bot.store.feeExports.create('2026-01', 'nimi;summa\r\n', new Date());
  h.connector.reset();
  // The upload URL refuses the connection: the handler throws after reading the database.
  const a = fileConsent(coordinator, 'accept', 'http://127.0.0.1:1/upload');
  ((a as unknown as { value: { context: { exportId: string } } }).value.context.exportId = file._id);
  const res = await h.post(a);
  expect(res.status).toBe(200);
  expect(await notices(coordinator, 1)).toContain(GENERIC_FI);
});

test('database down: file consent and unknown invokes get 503 (never 501), task modules and card actions a localized message', async () => {
  await db!.stop();
  db = undefined;
  const deadline = Date.now() + 10_000;
  while ((await fetch(`${h.url}/readyz`)).status !== 503 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  h.connector.reset();

  // Each turn first refreshes its chat's stored reference, which fails while the database is
  // down; a chat written within the last minute skips that write, so the cache is emptied to
  // make every request below a turn that needs the database.
  const post = (a: Activity) => {
    h.bot.store.conversations.forgetWritten();
    return h.post(a);
  };
  const accept = await post(fileConsent(coordinator, 'accept'));
  const decline = await post(fileConsent(coordinator, 'decline'));
  const unknown = await post(invoke(coordinator, 'contoso/somethingNew', { x: 1 }));
  for (const r of [accept, decline, unknown]) expect(r.status).toBe(503);
  // The user still learns what happened, in their language.
  expect(await notices(coordinator, 3)).toContain(UNAVAILABLE_FI);

  const task = await post(invoke(coordinator, 'task/fetch', { data: {} }));
  expect(task.status).toBe(200);
  expect(task.body).toEqual({ task: { type: 'message', value: expect.stringContaining(UNAVAILABLE_FI) } });

  const search = await post(invoke(coordinator, 'composeExtension/query', { commandId: 'x', parameters: [] }));
  expect(search.status).toBe(200);
  expect(search.body).toEqual({ composeExtension: { type: 'message', text: expect.stringContaining(UNAVAILABLE_FI) } });

  const card = await post(execute(h, coordinator, 'order.submit', {}));
  expect(card.status).toBe(200);
  expect(text(card.body)).toContain(UNAVAILABLE_FI);

  db = await startFerretDb({ dataDir, port });
}, 60_000);
