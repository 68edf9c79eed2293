import { t } from '../../src/i18n';
import { computeFee, tariffFor } from '../../src/domain/fees';
import { localParts } from '../../src/domain/time';
import { outcomeOf, reportDeadlineFacts, settlePeriod } from '../../src/services/fees';
import { FeedbackRepo } from '../../src/store/feedback';
import { Harness, startHarness } from '../support/harness';
import { cardOf, CHANNEL, CHANNEL_DATA, channelMessage, execute, personalMessage, text, user } from '../support/teams';
import { stored } from '../support/db';
import { acceptFile } from '../support/files';
import { jobOutcomeText } from '../../src/teams/jobs';

// Two pay periods built in the real database and settled by `palkkiot 2026-10` and
// `palkkiot 2026-11`, with answers that arrive after October was settled. The payroll files
// are checked byte for byte, and what the ledger paid reconciles with the assignment records.
const coordinator = user('Kaisa Koordinaattori');
const orderer = user('Aino Ammattilainen');
const anna = user('Aalto Anna');
const eero = user('Öberg Eero');
const ville = user('Vapaa Ville');
let h: Harness;

beforeAll(async () => {
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: coordinator.aad });
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: 'koordinaattorikanava' } as never);
  for (const u of [coordinator, orderer, anna, eero]) await h.post(personalMessage(h, u, 'ohje'));
  await buildMonths();
});
afterAll(() => h.stop());

const TASKS = ['co-development', 'client-pair', 'talk', 'peer-group', 'working-group', 'training', 'independent-reception'];

async function buildMonths(): Promise<void> {
  const s = h.bot.store;
  const now = new Date();
  for (const [u, pref] of [[anna, 'fee'], [eero, 'fee'], [ville, 'volunteer']] as const) {
    await s.experts.saveProfile(u.aad, { displayName: u.name, themes: ['mental-health'], taskTypes: TASKS, municipalities: ['Tampere'], remoteOk: true, languages: ['fi'], description: 'x', feePreference: pref }, now);
  }
  const add = async (id: string, task: string, who: { aad: string }, startsAt: Date, costCentre: string, extra: Record<string, unknown>) => {
    await stored(h).orders.insertOne({
      _id: id, themes: ['mental-health'], taskType: task, title: `Tehtävä ${id}`, description: 'x', startsAt, durationMinutes: 90, mode: 'remote', link: 'https://x',
      targetGroup: 'x', seats: 1, language: 'fi', costCentre, contact: { name: 'x' }, orderer: { aadObjectId: orderer.aad, name: 'Aino' }, conversationId: orderer.personal,
      endsAt: new Date(startsAt.getTime() + 90 * 60000), status: 'done', createdAt: now, updatedAt: now,
    });
    await stored(h).assignments.insertOne({ _id: `${id}#1`, orderId: id, expertId: who.aad, seat: 1, startsAt, endsAt: startsAt, status: 'done', createdAt: now, updatedAt: now, ...extra } as never);
  };
  const oct = (day: number) => new Date(Date.UTC(2026, 9, day, 9, 0));
  await add('T-2026-0001', 'co-development', anna, oct(3), 'KP-100', { confirmedMinutes: 95, outcome: 'held' });
  await add('T-2026-0002', 'talk', eero, oct(5), 'KP-100', { confirmedMinutes: 90, outcome: 'held', travelKm: 42, ticketCents: 550 });
  await add('T-2026-0003', 'training', ville, oct(6), 'KP-200', { confirmedMinutes: 90, outcome: 'held', travelKm: 10 });
  await add('T-2026-0004', 'training', eero, oct(22), 'KP-200', { status: 'cancelled', feePayable: true });
  await add('T-2026-0005', 'talk', eero, oct(23), 'KP-100', { status: 'cancelled', feePayable: false });
  await add('T-2026-0006', 'peer-group', anna, oct(24), 'KP-100', { confirmedMinutes: 90, outcome: 'noShow' });
  // No answers yet when October is settled: paid on the ordered 90 minutes, answered later.
  await add('T-2026-0007', 'co-development', anna, oct(28), 'KP-200', {});
  await add('T-2026-0008', 'working-group', eero, oct(29), 'KP-200', { confirmedMinutes: 90, outcome: 'held' });
  await add('T-2026-0009', 'co-development', eero, oct(30), 'KP-100', {});
  // November's own task.
  await add('T-2026-0010', 'training', anna, new Date(Date.UTC(2026, 10, 2, 9)), 'KP-100', { confirmedMinutes: 90, outcome: 'held' });
}

async function settle(period: string): Promise<{ card: string; csv: string }> {
  h.connector.reset();
  await h.post(channelMessage(h, coordinator, `palkkiot ${period}`));
  await h.bot.sender.drain(10000);
  // The summary card (its title "Palkkioyhteenveto 10/2026"), not the command's reply that names it.
  const card = h.connector.sentTo(CHANNEL.id).map(text).find((x) => /"text":"Palkkioyhteenveto \d/.test(x)) ?? '';
  const file = await stored(h).feeExports.find({ month: period }).sort({ createdAt: -1 }).limit(1).next();
  return { card, csv: file?.csv ?? '' };
}

/** A late answer through the feedback card, as the orderer or the expert submits it. */
async function answer(role: 'orderer' | 'expert', who: { aad: string; personal: string }, data: Record<string, string>): Promise<string> {
  const key = FeedbackRepo.keyOf(data.orderId, role, who.aad);
  await h.bot.store.feedback.recordRequest({ _id: key, orderId: data.orderId, role, aadObjectId: who.aad, conversationId: who.personal, sentAt: new Date(), nudges: 0 });
  return text(cardOf(await h.post(execute(h, who as never, `feedback.${role}`, data))));
}

const HEADER = 'Maksupäivä;Palkkakausi;Kokemusasiantuntija;Tunniste;Tulolaji;Tulolajikoodi;Peruste;Kustannuspaikka;Toimeksiantoja;Tunnit;Km;Määrä (€);Oikaisu kaudelle\r\n';
const cents = (csv: string) => csv.split('\r\n').slice(1).filter(Boolean).reduce((sum, row) => sum + Math.round(Number(row.split(';')[11].replace(',', '.')) * 100), 0);

test('October: wages per income type, travel apart, the late cancellation and the no-show as their own rows; payment date and deadline on the card', async () => {
  const { card, csv } = await settle('2026-10');
  const row = (name: string, id: string, rest: string) => `6.11.2026;2026-10;${name};${id};${rest}\r\n`;
  expect(csv).toBe(
    `\uFEFF${HEADER}` +
    row('Aalto Anna', anna.aad, 'Kokouspalkkio;210;Tehtävä;KP-100;1;1,58;;31,67;') +
    row('Aalto Anna', anna.aad, 'Kokouspalkkio;210;Tehtävä;KP-200;1;1,50;;30,00;') +
    row('Aalto Anna', anna.aad, 'Muu palkkio;;Asiakas ei saapunut;KP-100;1;1,50;;30,00;') +
    // The volunteer: no fee row, the trip is reimbursed.
    row('Vapaa Ville', ville.aad, 'Kilometrikorvaus;;Matkakorvaus, km;KP-200;1;0,00;10,00;2,50;') +
    row('Öberg Eero', eero.aad, 'Luentopalkkio;214;Tehtävä;KP-100;1;1,50;;30,00;') +
    row('Öberg Eero', eero.aad, 'Kokouspalkkio;210;Tehtävä;KP-100;1;1,50;;30,00;') +
    row('Öberg Eero', eero.aad, 'Kokouspalkkio;210;Tehtävä;KP-200;1;1,50;;40,00;') +
    row('Öberg Eero', eero.aad, 'Luentopalkkio;214;Myöhäinen peruutus;KP-200;1;1,50;;50,00;') +
    row('Öberg Eero', eero.aad, 'Kilometrikorvaus;;Matkakorvaus, km;KP-100;1;0,00;42,00;10,50;') +
    row('Öberg Eero', eero.aad, 'Matkalippujen korvaus;;Matkakorvaus, liput;KP-100;1;0,00;;5,50;'),
  );
  expect(cents(csv)).toBe(26017);
  expect(card).toContain('Palkkioyhteenveto 10/2026');
  expect(card).toContain('Maksupäivä 6.11.2026');
  expect(card).toContain('Ilmoitus tulorekisteriin viimeistään 11.11.2026');
  // Who pays the kept fees: the ordering unit's cost centre.
  expect(card).toContain('KP-200: myöhäisistä peruutuksista ja poisjäänneistä 50,00 €');
  expect(card).toContain('KP-100: myöhäisistä peruutuksista ja poisjäänneistä 30,00 €');
  // Task → payment 6.11.: 34, 32, 31, 15, 13, 9, 8, 7 days (the early cancellation pays nothing).
  expect(card).toContain('Tehtävästä maksuun: mediaani 14 pv, pisin 34 pv. Tavoite enintään 14 pv: toteutuu 4/8 toimeksiannossa.');
  expect(card).toContain('Yhteensä: toimeksiantoja 8, 12,08 h, 260,17 €');
  expect(card).not.toContain('Oikaisut');
  // The cost centres drawn as bars, the same totals as the lines (a client without charts drops it).
  const chart = (JSON.parse(card) as { attachments: { content: { body: { type: string; data?: { x: string; y: number }[]; fallback?: unknown }[] } }[] }).attachments[0].content.body.find((b) => b.type === 'Chart.VerticalBar');
  expect(chart?.fallback).toBe('drop');
  const bars = Object.fromEntries(chart!.data!.map((p) => [p.x, p.y]));
  expect(Math.round((bars['KP-100'] + bars['KP-200']) * 100)).toBe(26017);
  for (const [centre, euros] of Object.entries(bars)) expect(card).toMatch(new RegExp(`${centre}: [^"]*${euros.toFixed(2).replace('.', ',')} €`));

  // The file reaches the coordinator's OneDrive through the file consent card, byte for byte.
  const consent = h.connector.sentTo(coordinator.personal).find((a) => text(a).includes('file.consent')) as { attachments: { content: { acceptContext: { exportId: string } } }[] };
  const { status, uploaded } = await acceptFile(h, coordinator, consent, { name: 'palkkiot-2026-10.csv' });
  expect(status).toBe(200);
  expect(uploaded.equals(Buffer.from(csv, 'utf8'))).toBe(true);
  expect([...uploaded.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);

  // Settled once: asking again changes nothing.
  await h.post(channelMessage(h, coordinator, 'palkkiot 2026-10'));
  expect(h.connector.sentTo(CHANNEL.id).map(text).some((x) => x.includes(jobOutcomeText('fi', 'fees', 'already-done', '10/2026')))).toBe(true);
});

test('answers after October was settled are not lost: they become adjustment rows (+/−) of November, marked as such', async () => {
  // The orderer confirms 120 min (paid: 90) and 60 min (paid: 90); the expert reports a trip.
  expect(await answer('orderer', orderer, { orderId: 'T-2026-0007', tookPlace: 'yes', actualMinutes: '120', goalsMet: '4', useful: '4', orderAgain: 'true' })).toContain('Kiitos');
  await answer('orderer', orderer, { orderId: 'T-2026-0009', tookPlace: 'yes', actualMinutes: '60', goalsMet: '4', useful: '4', orderAgain: 'false' });
  await answer('expert', eero, { orderId: 'T-2026-0008', tookPlace: 'yes', actualMinutes: '90', howItWent: '4', travelKm: '20', ticketEuros: '', debrief: 'false', anonymousText: '' });
  // A submit of the same answer again changes nothing more.
  await answer('orderer', orderer, { orderId: 'T-2026-0007', tookPlace: 'yes', actualMinutes: '120', goalsMet: '4', useful: '4', orderAgain: 'true' });

  const { card, csv } = await settle('2026-11');
  const row = (name: string, id: string, rest: string) => `7.12.2026;2026-11;${name};${id};${rest}\r\n`;
  expect(csv).toBe(
    `\uFEFF${HEADER}` +
    row('Aalto Anna', anna.aad, 'Luentopalkkio;214;Tehtävä;KP-100;1;1,50;;50,00;') +
    row('Aalto Anna', anna.aad, 'Kokouspalkkio;210;Tehtävä;KP-200;1;0,50;;10,00;2026-10') +
    row('Öberg Eero', eero.aad, 'Kokouspalkkio;210;Tehtävä;KP-100;1;-0,50;;-10,00;2026-10') +
    row('Öberg Eero', eero.aad, 'Kilometrikorvaus;;Matkakorvaus, km;KP-200;1;0,00;20,00;5,00;2026-10'),
  );
  expect(card).toContain('Maksupäivä 7.12.2026');
  expect(card).toContain('Ilmoitus tulorekisteriin viimeistään 14.12.2026'); // 12.12. is a Saturday
  expect(card).toContain('Oikaisut aiempiin kausiin (myöhässä tulleet vastaukset): rivejä 3, yhteensä 5,00 €');

  // Reconciliation: for every assignment, what the ledger paid over both periods is what its
  // record is owed now, line for line in total.
  const lines = await stored(h).feeLines.find({}).toArray();
  const assignments = await stored(h).assignments.find({}).toArray();
  let owedTotal = 0;
  for (const a of assignments) {
    const order = (await h.bot.store.orders.get(a.orderId))!;
    const outcome = outcomeOf(a);
    const day = localParts(a.startsAt, 'Europe/Helsinki').date;
    const owed = outcome ? computeFee({ taskType: order.taskType, confirmedMinutes: a.confirmedMinutes ?? order.durationMinutes, outcome, feePreference: a.expertId === ville.aad ? 'volunteer' : 'fee', travelKm: a.travelKm, ticketCents: a.ticketCents }, tariffFor(h.bot.deps.tariffs, day)!) : undefined;
    const owedCents = owed?.ok ? owed.totalCents : 0;
    const paid = lines.filter((l) => l.assignmentId === a._id).reduce((s, l) => s + l.cents, 0);
    expect([a._id, paid]).toEqual([a._id, owedCents]);
    expect(a.answerPendingAt).toBeUndefined();
    owedTotal += owedCents;
  }
  expect(cents((await stored(h).feeExports.findOne({ month: '2026-10' }))!.csv) + cents(csv)).toBe(owedTotal);
  expect(owedTotal).toBe(26017 + 5000 + 500);
});

test('a period not yet over is not settled, and the usage names the period form', async () => {
  h.connector.reset();
  await h.post(channelMessage(h, coordinator, 'palkkiot 2099-01'));
  await h.post(channelMessage(h, coordinator, 'palkkiot 2026-10.1'));
  const said = h.connector.sentTo(CHANNEL.id).map(text).join('\n');
  expect(said).toContain('Kausi 1/2099 ei ole vielä päättynyt');
  expect(said).toMatch(/Käyttö: palkkiot ja palkkakausi, esim\. palkkiot \d{4}-\d{2}"/);
  expect(await h.bot.store.feeLedger.settlement('2099-01')).toBeNull();
});

test("the digest warns when a settled period's Incomes Register deadline is near", async () => {
  expect(await reportDeadlineFacts(h.bot.deps, new Date('2026-11-05T06:00:00Z'), 'fi')).toEqual([]);
  expect(await reportDeadlineFacts(h.bot.deps, new Date('2026-11-09T06:00:00Z'), 'fi')).toEqual([
    { label: 'Tulorekisteri-ilmoitus lähestyy', value: 'kausi 10/2026: maksupäivä 6.11.2026, ilmoitettava viimeistään 11.11.2026 (päiviä jäljellä: 2)' },
  ]);
  expect(await reportDeadlineFacts(h.bot.deps, new Date('2026-11-12T06:00:00Z'), 'fi')).toEqual([]);
  expect((await reportDeadlineFacts(h.bot.deps, new Date('2026-12-11T06:00:00Z'), 'sv'))[0].value).toBe('period 11/2026: betalningsdag 7.12.2026, ska anmälas senast 14.12.2026 (dagar kvar: 3)');
});

test('a month the expert marked as volunteer work pays no fee at settlement; the trip is still reimbursed', async () => {
  const s = h.bot.store;
  const now = new Date();
  await s.earningsGuards.save(anna.aad, { per: 'month', pauseAtLimit: false, volunteerMonths: ['2026-12'] }, now);
  const startsAt = new Date(Date.UTC(2026, 11, 3, 9));
  await stored(h).orders.insertOne({
    _id: 'T-2026-0011', themes: ['mental-health'], taskType: 'training', title: 'x', description: 'x', startsAt, durationMinutes: 90, mode: 'remote', link: 'https://x',
    targetGroup: 'x', seats: 1, language: 'fi', costCentre: 'KP-100', contact: { name: 'x' }, orderer: { aadObjectId: orderer.aad, name: 'Aino' }, conversationId: orderer.personal,
    endsAt: startsAt, status: 'done', createdAt: now, updatedAt: now,
  });
  await stored(h).assignments.insertOne({ _id: 'T-2026-0011#1', orderId: 'T-2026-0011', expertId: anna.aad, seat: 1, startsAt, endsAt: startsAt, status: 'done', confirmedMinutes: 90, outcome: 'held', travelKm: 8, createdAt: now, updatedAt: now });
  const r = await settlePeriod(h.bot.deps, '2026-12', new Date('2027-01-02T06:00:00Z'));
  expect(r.ok && r.lines.filter((l) => l.assignmentId === 'T-2026-0011#1').map((l) => [l.kind, l.cents, l.hundredths])).toEqual([['fee', 0, 150], ['travelKm', 200, 0]]);
  expect((await stored(h).assignments.findOne({ _id: 'T-2026-0011#1' }))!.fee).toMatchObject({ feePreference: 'volunteer', settledIn: '2026-12' });
  expect(r.ok && r.csv).toBe(`\uFEFF${HEADER}7.1.2027;2026-12;Aalto Anna;${anna.aad};Kilometrikorvaus;;Matkakorvaus, km;KP-100;1;0,00;8,00;2,00;\r\n`);
});
