import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Harness, startHarness } from '../support/harness';
import { cardOf, execute, personalMessage, text, user } from '../support/teams';
import { stored } from '../support/db';

// The database goes away: card actions answer "temporarily unavailable" in place and fast,
// nothing is half-written, and work resumes when it is back, without a restart.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startFerretDb, freePort } = require('../../scripts/lib/ferretdb.cjs') as {
  startFerretDb(o: { dataDir: string; port?: number }): Promise<{ uri: string; stop(): Promise<void> }>;
  freePort(): Promise<number>;
};

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'valittaja-faults-'));
let h: Harness;
let db: { uri: string; stop(): Promise<void> };
let port: number;
const professional = user('Aino');

function form(): Record<string, string> {
  const d = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
  return {
    formId: randomUUID(), themes: 'mental-health', taskType: 'talk', title: 'Katkon aikana', description: 'x', goal: '', date: d, time: '10:00', durationMinutes: '60', mode: 'remote',
    municipality: '', address: '', link: 'https://teams.example/x', targetGroup: 'x', audienceSize: '', seats: '1', language: 'fi', costCentre: 'K', contactName: 'Aino',
    contactPhone: '040 1234567', contactEmail: '', noteToCoordinator: '',
  };
}

beforeAll(async () => {
  port = await freePort();
  db = await startFerretDb({ dataDir, port });
  h = await startHarness(__filename, { MONGODB_URI: db.uri });
  await h.post(personalMessage(h, professional, 'ohje'));
}, 60000);

afterAll(async () => {
  await h.stop();
  await db.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('with the database down a card action answers "temporarily unavailable" within seconds and writes nothing; then work resumes', async () => {
  await db.stop();
  const t0 = Date.now();
  const res = await h.post(execute(h, professional, 'order.submit', form()));
  const ms = Date.now() - t0;
  expect(res.status).toBe(200);
  expect(text(cardOf(res))).toContain('ei ole juuri nyt käytettävissä');
  expect(ms).toBeLessThan(8000); // Teams waits for an invoke answer for about 15 s

  db = await startFerretDb({ dataDir, port });
  const deadline = Date.now() + 20000;
  let placed = '';
  while (Date.now() < deadline && !placed.includes('Tilaus vastaanotettu')) {
    placed = text(cardOf(await h.post(execute(h, professional, 'order.submit', form()))));
    if (!placed.includes('Tilaus vastaanotettu')) await new Promise((r) => setTimeout(r, 500));
  }
  expect(placed).toContain('Tilaus vastaanotettu');
  expect(await stored(h).orders.countDocuments({ title: 'Katkon aikana' })).toBe(1);
}, 60000);
