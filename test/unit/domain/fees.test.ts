import fs from 'node:fs';
import path from 'node:path';
import { computeFee, loadTariffs, tariffFor, FeeTariff } from '../../../src/domain/fees';
import { fairness } from '../../../src/domain/fairness';
import { payrollCsv, summarizeMonth } from '../../../src/domain/feeSummary';

const file = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'config', 'fee-tariff.json'), 'utf8')) as unknown;
const loaded = loadTariffs(file);
if (!loaded.ok) throw new Error(loaded.errors.join());
const tariffs: FeeTariff[] = loaded.tariffs;
const base = { date: '2026-10-15', confirmedMinutes: 90, outcome: 'held' as const, feePreference: 'fee' as const };

test.each([
  ['client-pair', 3000], ['talk', 3000], ['peer-group', 3000], ['working-group', 4000], ['training', 5000], ['independent-reception', 6000],
])('per-time row %s pays %i cents whatever the duration', (taskType, cents) => {
  expect(computeFee({ ...base, taskType }, tariffs)).toMatchObject({ ok: true, feeCents: cents, totalCents: cents, hours: 1.5, tariffVersion: 'pirkanmaa-2026-1' });
});

test('co-development pays 20 €/h, rounded half up to the cent', () => {
  expect(computeFee({ ...base, taskType: 'co-development', confirmedMinutes: 95 }, tariffs)).toMatchObject({ feeCents: 3167, hours: 1.58 });
  expect(computeFee({ ...base, taskType: 'co-development', confirmedMinutes: 120 }, tariffs)).toMatchObject({ feeCents: 4000 });
});

test('travel by km and bought tickets are added', () => {
  expect(computeFee({ ...base, taskType: 'talk', travelKm: 42, ticketCents: 550 }, tariffs)).toMatchObject({ feeCents: 3000, travelCents: 42 * 25 + 550, totalCents: 3000 + 1050 + 550 });
});

test('a volunteer gets no fee but the hours and travel count', () => {
  expect(computeFee({ ...base, taskType: 'talk', feePreference: 'volunteer', travelKm: 10 }, tariffs)).toMatchObject({ feeCents: 0, travelCents: 250, hours: 1.5 });
});

test('late cancellation and no-show keep the fee payable; early cancellation pays nothing', () => {
  expect(computeFee({ ...base, taskType: 'training', outcome: 'cancelledLate' }, tariffs)).toMatchObject({ feeCents: 5000, payable: true });
  expect(computeFee({ ...base, taskType: 'training', outcome: 'noShow' }, tariffs)).toMatchObject({ feeCents: 5000, payable: true });
  expect(computeFee({ ...base, taskType: 'training', outcome: 'cancelledEarly' }, tariffs)).toMatchObject({ feeCents: 0, travelCents: 0, hours: 0, payable: false });
  const noShowFree = tariffs.map((t) => ({ ...t, noShowPayable: false }));
  expect(computeFee({ ...base, taskType: 'training', outcome: 'noShow' }, noShowFree)).toMatchObject({ feeCents: 0, payable: false });
});

test('the tariff valid on the date is used; none valid is an error value', () => {
  const two = loadTariffs({ tariffs: [{ ...tariffs[0], validTo: '2026-06-30' }, { ...tariffs[0], version: 'v2', validFrom: '2026-07-01', rows: [{ taskType: 'talk', kind: 'perTime', amountCents: 3500 }] }] });
  expect(two.ok).toBe(true);
  if (!two.ok) return;
  expect(tariffFor(two.tariffs, '2026-06-30')!.version).toBe('pirkanmaa-2026-1');
  expect(computeFee({ ...base, taskType: 'talk' }, two.tariffs)).toMatchObject({ feeCents: 3500, tariffVersion: 'v2' });
  expect(computeFee({ ...base, taskType: 'talk', date: '2025-12-31' }, tariffs)).toEqual({ ok: false, error: 'noTariff' });
  expect(computeFee({ ...base, taskType: 'unknown' }, tariffs)).toEqual({ ok: false, error: 'noRow' });
});

test('overlapping tariffs and duplicate rows are refused at load', () => {
  expect(loadTariffs({ tariffs: [tariffs[0], { ...tariffs[0], version: 'x', validFrom: '2026-03-01' }] }).ok).toBe(false);
  expect(loadTariffs({ tariffs: [{ ...tariffs[0], rows: [tariffs[0].rows[0], tariffs[0].rows[0]] }] }).ok).toBe(false);
  expect(loadTariffs({ tariffs: [{ ...tariffs[0], extra: 1 }] }).ok).toBe(false);
});

test('payroll CSV byte for byte: BOM, semicolons, CRLF, decimal comma, quoting and no formulas', () => {
  const summary = summarizeMonth([
    { expertId: 'e1', expertName: 'Öhman; Eero', costCentre: 'KP-1', orderId: 'T-2026-0001', date: '2026-10-03', hours: 1.5, feeCents: 3000, travelCents: 1050, totalCents: 4050, volunteer: false },
    { expertId: 'e2', expertName: '=Aalto', costCentre: 'KP-1', orderId: 'T-2026-0002', date: '2026-10-04', hours: 1.58, feeCents: 3167, travelCents: 0, totalCents: 3167, volunteer: false },
    { expertId: 'e1', expertName: 'Öhman; Eero', costCentre: 'KP-2', orderId: 'T-2026-0003', date: '2026-10-05', hours: 2, feeCents: 0, travelCents: 0, totalCents: 0, volunteer: true },
    { expertId: 'e3', expertName: 'Muu kuukausi', costCentre: 'KP-9', orderId: 'T-2026-0004', date: '2026-11-01', hours: 1, feeCents: 100, travelCents: 0, totalCents: 100, volunteer: false },
  ], '2026-10');
  expect(payrollCsv(summary)).toBe(
    '\uFEFFKokemusasiantuntija;Tunniste;Toimeksiantoja;Tunnit;Palkkio (€);Matkakorvaus (€);Yhteensä (€)\r\n' +
    "'=Aalto;e2;1;1,58;31,67;0,00;31,67\r\n" +
    '"Öhman; Eero";e1;2;3,50;30,00;10,50;40,50\r\n' +
    '\r\n' +
    'Kustannuspaikka;Toimeksiantoja;Tunnit;Yhteensä (€)\r\n' +
    'KP-1;2;3,08;72,17\r\n' +
    'KP-2;1;2,00;0,00\r\n' +
    '\r\n' +
    'Yhteensä;;3;5,08;61,67;10,50;72,17\r\n',
  );
});

test('Gini coefficient of the assignment spread', () => {
  expect(fairness([1, 1, 1, 1]).gini).toBe(0);
  expect(fairness([0, 0, 0, 4])).toMatchObject({ gini: 0.75, max: 4, min: 0, assignments: 4, experts: 4 });
  expect(fairness([]).gini).toBe(0);
  expect(fairness([0, 0]).gini).toBe(0);
});
