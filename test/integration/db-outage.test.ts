import { t } from '../../src/i18n';
import { decisionData } from '../support/experts';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Harness, startHarness } from '../support/harness';
import { cardOf, execute, personalMessage, text, user } from '../support/teams';
import { orderFormData } from '../support/orders';
import { stored } from '../support/db';

// Requirement: "Database unreachable: /readyz answers 503, card actions answer 'temporarily
// unavailable, try again' within Teams' invoke time, nothing is half-written; when the
// database returns, work resumes without a restart."
//
// A FerretDB of this test's own (stopping the shared one would break the other test files),
// stopped and started again on the same port and data directory under one running bot.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startFerretDb, freePort } = require('../../scripts/lib/ferretdb.cjs') as {
  startFerretDb(o: { dataDir: string; port?: number }): Promise<{ uri: string; stop(): Promise<void> }>;
  freePort(): Promise<number>;
};

/** Teams gives a bot about 15 s to answer an invoke; the requirement asks for 5. */
const INVOKE_BUDGET_MS = 5000;
const UNAVAILABLE_FI = 'ei ole juuri nyt käytettävissä';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'valittaja-db-outage-'));
const coordinator = user('Kaisa Koordinaattori');
const orderer = user('Aino Ammattilainen');
const expert = user('Eero Asiantuntija');
let port: number;
let db: { uri: string; stop(): Promise<void> } | undefined;
let h: Harness;
let offerId = '';

function orderForm(title: string): Record<string, string> {
  return orderFormData({ title, description: 'Kokemuspuheenvuoro.', time: '10:00', durationMinutes: '60', link: 'https://teams.example/x', targetGroup: 'Hoitajat', costCentre: 'K-1' });
}

const PROFILE = {
  displayName: 'Eero Asiantuntija', phone: '040 123 4567', email: '', themes: 'mental-health', taskTypes: 'talk', municipalities: '', remoteOk: 'true', languages: 'fi',
  description: 'Kokemusta.', trainingOrganisation: '', trainingYear: '', feePreference: 'fee', consent: 'true',
};

/** Business data and the outbox: what a half-done card action would have left behind. */
async function businessState(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of ['experts', 'orders', 'orderForms', 'orderNumberHints', 'offers', 'offerWaves', 'assignments', 'withdrawals', 'erasureRequests', 'outbox', 'outboxOutcomes', 'outboxDue']) {
    // Outbox items: which messages exist (their state moves as the sender works).
    const docs: Record<string, unknown>[] = (await h.bot.database.db.collection(name).find().toArray()).map((d) => (name.startsWith('outbox') ? { _id: d._id } : d));
    docs.sort((a, b) => String(a._id).localeCompare(String(b._id)));
    out[name] = `${docs.length}:${createHash('sha256').update(JSON.stringify(docs)).digest('hex').slice(0, 16)}`;
  }
  return out;
}

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const value = await f();
  return { value, ms: Date.now() - t0 };
}

async function statusUntil(url: string, expected: number, timeoutMs: number): Promise<{ status: number; ms: number }> {
  const t0 = Date.now();
  let status = 0;
  while (Date.now() - t0 < timeoutMs) {
    status = (await fetch(url)).status;
    if (status === expected) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { status, ms: Date.now() - t0 };
}

beforeAll(async () => {
  port = await freePort();
  db = await startFerretDb({ dataDir, port });
  h = await startHarness(__filename, { MONGODB_URI: db.uri, COORDINATOR_AAD_IDS: coordinator.aad });
  for (const u of [coordinator, orderer, expert]) await h.post(personalMessage(h, u, 'ohje'));
  expect(text(cardOf(await h.post(execute(h, expert, 'expert.saveProfile', PROFILE))))).toContain('Odottaa');
  expect(text(cardOf(await h.post(execute(h, coordinator, 'expert.approve', await decisionData(h, expert)))))).toContain('Hyväksytty');
  const placed = text(cardOf(await h.post(execute(h, orderer, 'order.submit', orderForm('Ennen katkoa')))));
  const orderId = /T-\d{4}-\d{4}/.exec(placed)![0];
  expect(text(cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: expert.aad }))))).toContain(t('fi', 'order.offersSent', { count: 1, wave: 1 }));
  offerId = `${orderId}:${expert.aad}`;
  await h.bot.sender.drain(15_000);
}, 90_000);

afterAll(async () => {
  await h?.stop();
  await db?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('database down: /readyz 503, card actions answer "unavailable, try again" within 5 s, nothing half-written; back up: work resumes without a restart', async () => {
  const before = await businessState();

  await db!.stop();
  db = undefined;
  const notReady = await statusUntil(`${h.url}/readyz`, 503, 10_000);
  expect(notReady.status).toBe(503);
  expect((await fetch(`${h.url}/healthz`)).status).toBe(200); // alive, just not ready

  // Card actions while the database is gone: an answer in place, within the budget.
  const submit = await timed(() => h.post(execute(h, orderer, 'order.submit', orderForm('Katkon aikana'))));
  const accept = await timed(() => h.post(execute(h, expert, 'offer.accept', { offerId })));
  for (const r of [submit, accept]) {
    expect(r.value.status).toBe(200);
    const card = text(cardOf(r.value));
    expect(card).toContain(UNAVAILABLE_FI);
    expect(card).toContain('Yritä hetken kuluttua uudelleen');
    expect(r.ms).toBeLessThan(INVOKE_BUDGET_MS);
  }

  // The database comes back on the same port; the bot notices by itself.
  db = await startFerretDb({ dataDir, port });
  const ready = await statusUntil(`${h.url}/readyz`, 200, 30_000);
  expect(ready.status).toBe(200);
  // Nothing from the failed actions was written, not even part of it.
  expect(await businessState()).toEqual(before);

  // The same clicks again, to the same running server (never restarted): the order is stored
  // once, the offer is taken.
  let placed = '';
  const resumed = await timed(async () => {
    for (let i = 0; i < 20 && !placed.includes('Tilaus vastaanotettu'); i++) {
      placed = text(cardOf(await h.post(execute(h, orderer, 'order.submit', orderForm('Katkon aikana')))));
      if (!placed.includes('Tilaus vastaanotettu')) await new Promise((r) => setTimeout(r, 500));
    }
  });
  expect(placed).toContain('Tilaus vastaanotettu');
  expect(await stored(h).orders.countDocuments({ title: 'Katkon aikana' })).toBe(1);
  expect(text(cardOf(await h.post(execute(h, expert, 'offer.accept', { offerId }))))).toContain('Tehtävä on sinun');
  expect(await stored(h).assignments.countDocuments({ expertId: expert.aad })).toBe(1);
  // Background work resumes too: the outbox sender delivers the orderer's "filled" notice.
  await h.bot.sender.drain(30_000);
  expect(h.connector.sentTo(orderer.personal).map(text).join('\n')).toContain('Eero Asiantuntija');

  process.stdout.write(
    `db-outage: /readyz 503 after ${notReady.ms} ms; order.submit answered in ${submit.ms} ms, offer.accept in ${accept.ms} ms while down; ` +
      `/readyz 200 ${ready.ms} ms after the database was back; first order stored ${resumed.ms} ms later\n`,
  );
}, 120_000);
