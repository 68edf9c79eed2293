import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Harness, startHarness } from '../support/harness';
import { CHANNEL, CHANNEL_DATA, execute, MENTION, personalMessage, text, user } from '../support/teams';
import { stored } from '../support/db';

// A month of assignments built in the real database, settled by `fees 2026-10`: every figure
// of the card and the CSV must reconcile exactly with the stored assignment records.
const coordinator = user('Kaisa Koordinaattori');
let h: Harness;

beforeAll(async () => {
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: coordinator.aad });
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: 'koordinaattorikanava' } as never);
  await h.post(personalMessage(h, coordinator, 'ohje'));
});
afterAll(() => h.stop());

const TASKS = ['co-development', 'client-pair', 'talk', 'peer-group', 'working-group', 'training', 'independent-reception'];

async function buildMonth(): Promise<void> {
  const s = h.bot.store;
  const now = new Date();
  const experts = [
    { id: '11111111-1111-4111-8111-111111111111', name: 'Aalto Anna', pref: 'fee' as const },
    { id: '22222222-2222-4222-8222-222222222222', name: 'Öberg Eero', pref: 'fee' as const },
    { id: '33333333-3333-4333-8333-333333333333', name: 'Vapaa Ville', pref: 'volunteer' as const },
  ];
  for (const e of experts) {
    await s.experts.saveProfile(e.id, { displayName: e.name, themes: ['mental-health'], taskTypes: TASKS, municipalities: ['Tampere'], remoteOk: true, languages: ['fi'], description: 'x', feePreference: e.pref }, now);
  }
  let n = 0;
  const add = async (task: string, expert: number, day: number, minutes: number, extra: Record<string, unknown>, costCentre = 'KP-100') => {
    n++;
    const id = `T-2026-${String(n).padStart(4, '0')}`;
    const startsAt = new Date(Date.UTC(2026, 9, day, 9, 0));
    await stored(h).orders.insertOne({
      _id: id, themes: ['mental-health'], taskType: task, title: `Tehtävä ${n}`, description: 'x', startsAt, durationMinutes: 90, mode: 'remote', link: 'https://x',
      targetGroup: 'x', seats: 1, language: 'fi', costCentre, contact: { name: 'x' }, orderer: { aadObjectId: 'o', name: 'O' }, conversationId: 'c',
      endsAt: new Date(startsAt.getTime() + 90 * 60000), status: 'done', createdAt: now, updatedAt: now,
    });
    await stored(h).assignments.insertOne({
      _id: `${id}#1`, orderId: id, expertId: experts[expert].id, seat: 1, startsAt, endsAt: startsAt, status: 'done', confirmedMinutes: minutes, createdAt: now, updatedAt: now, ...extra,
    } as never);
  };
  for (const [i, task] of TASKS.entries()) await add(task, i % 2, 3 + i, 95, {}, i < 4 ? 'KP-100' : 'KP-200');
  await add('talk', 0, 20, 60, { travelKm: 42, ticketCents: 550 });
  await add('training', 2, 21, 120, { travelKm: 10 });
  await add('training', 1, 22, 90, { status: 'cancelled', feePayable: true });
  await add('talk', 1, 23, 90, { status: 'cancelled', feePayable: false });
  await add('peer-group', 0, 24, 90, { outcome: 'noShow' });
  // Not October: must not count.
  await add('training', 0, 31, 90, { startsAt: new Date(Date.UTC(2026, 10, 2, 9)) });
}

test('fees 2026-10 settles the month: card and CSV totals reconcile with the stored assignments, fees stored once', async () => {
  await buildMonth();
  h.connector.reset();
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: '<at>Välittäjä</at> palkkiot 2026-10', entities: MENTION } as never);
  await h.bot.sender.drain(10000);
  const card = h.connector.sentTo(CHANNEL.id).map(text).find((x) => x.includes('Palkkioyhteenveto 2026-10'));
  expect(card).toBeDefined();

  const settled = await stored(h).assignments.find({ fee: { $exists: true } }).toArray();
  const cents = settled.reduce((sum, a) => sum + a.fee!.totalCents, 0);
  // co-development 95 min = 31,67 + 3 × 30 + 40 + 50 + 60 (per-time rows) + talk 30 + 42 km × 0,25 + 5,50 tickets
  // + volunteer training 0 + 10 km + late-cancelled training 50 + no-show peer group 30
  expect(cents).toBe(3167 + 3000 * 3 + 4000 + 5000 + 6000 + 3000 + 1050 + 550 + 0 + 250 + 5000 + 3000);
  expect(settled).toHaveLength(11); // the early cancellation and November's task are not settled
  expect(settled.every((a) => a.fee!.tariffVersion === 'pirkanmaa-2026-1')).toBe(true);
  const euro = `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, '0')}`;
  expect(card).toContain(`${euro} €`);

  // The file consent card reached the coordinator's 1:1 chat; accepting uploads the CSV.
  const consent = h.connector.sentTo(coordinator.personal).find((a) => text(a).includes('file.consent')) as { attachments: { content: { acceptContext: { exportId: string } } }[] };
  expect(consent).toBeDefined();
  let uploaded = Buffer.alloc(0);
  const onedrive = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => { uploaded = Buffer.concat(chunks); res.writeHead(201); res.end('{}'); });
  });
  await new Promise<void>((r) => onedrive.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(onedrive.address() as AddressInfo).port}/upload`;
  const invoke = {
    ...execute(h, coordinator, 'x', {}), name: 'fileConsent/invoke',
    value: { type: 'fileUpload', action: 'accept', context: consent.attachments[0].content.acceptContext, uploadInfo: { name: 'palkkiot-2026-10.csv', uploadUrl: url, contentUrl: 'https://onedrive.example/palkkiot.csv', uniqueId: 'u1', fileType: 'csv' } },
  };
  const res = await h.post(invoke as never);
  onedrive.close();
  expect(res.status).toBe(200);
  const csv = uploaded.toString('utf8');
  expect(csv.startsWith('\uFEFFKokemusasiantuntija;')).toBe(true);
  expect(csv).toContain(`Yhteensä;;11;`);
  expect(csv).toContain(`;${euro}\r\n`);
  expect(csv.split('\r\n').find((l) => l.startsWith('Vapaa Ville'))).toBe('Vapaa Ville;33333333-3333-4333-8333-333333333333;1;2,00;0,00;2,50;2,50');

  // Running it again changes nothing: the run is claimed once per month, fees are never recomputed.
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: '<at>Välittäjä</at> palkkiot 2026-10', entities: MENTION } as never);
  await h.bot.sender.drain(10000);
  expect(h.connector.sentTo(CHANNEL.id).map(text).some((x) => x.includes('on jo ajettu'))).toBe(true);
});
