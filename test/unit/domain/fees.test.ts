import { describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_TASK_TYPES } from '../../../src/domain/catalog';
import { adjustmentLines, computeFee, FeeInput, FeeTariff, IncomeLine, loadTariffs, tariffFor } from '../../../src/domain/fees';

const file = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'config', 'fee-tariff.json'), 'utf8')) as { note?: string; tariffs: FeeTariff[] };
const loaded = loadTariffs(file);
if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
const tariffs: FeeTariff[] = loaded.tariffs;
const base = { date: '2026-10-15', confirmedMinutes: 90, outcome: 'held' as const, feePreference: 'fee' as const };
const fee = (over: Partial<FeeInput> & { taskType: string }, t: FeeTariff[] = tariffs) => computeFee({ ...base, ...over }, t);
/** The default tariff with some fields changed (validated like the file). */
function variant(over: Partial<FeeTariff>): FeeTariff[] {
  const r = loadTariffs({ tariffs: [{ ...tariffs[0], ...over }] });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.tariffs;
}

const kokoaFile = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'config', 'fee-tariff-kokoa.json'), 'utf8')) as { note?: string; tariffs: FeeTariff[] };
const kokoaLoaded = loadTariffs(kokoaFile);
if (!kokoaLoaded.ok) throw new Error(kokoaLoaded.errors.join('\n'));
const kokoa = kokoaLoaded.tariffs;

describe('config/fee-tariff.json (Pirkanmaa proposal)', () => {
  test('is valid, versioned, from 2026-01-01, travel 25 c/km flagged as a placeholder', () => {
    expect(tariffs).toHaveLength(1);
    expect(tariffs[0]).toMatchObject({ version: 'pirkanmaa-2026-1', validFrom: '2026-01-01', currency: 'EUR', travel: { perKmCents: 25, ticketsReimbursed: true }, lateCancellationPayable: true, noShowPayable: true });
    expect(tariffs[0].validTo).toBeUndefined();
    expect(file.note).toMatch(/placeholder/i);
  });

  test('has exactly one row for every task type of the catalogue', () => {
    expect(tariffs[0].rows.map((r) => r.taskType).sort()).toEqual(DEFAULT_TASK_TYPES.map((t) => t.id).sort());
  });
});

describe('computeFee: tariff rows', () => {
  test.each([
    ['client-pair', 3000], ['talk', 3000], ['peer-group', 3000], ['working-group', 4000], ['training', 5000], ['independent-reception', 6000],
  ])('per-time row %s pays %i cents whatever the duration', (taskType, cents) => {
    expect(fee({ taskType })).toMatchObject({ ok: true, feeCents: cents, travelCents: 0, totalCents: cents, hours: 1.5, tariffVersion: 'pirkanmaa-2026-1', payable: true });
    expect(fee({ taskType, confirmedMinutes: 30 })).toMatchObject({ feeCents: cents, hours: 0.5 });
    expect(fee({ taskType, confirmedMinutes: 240 })).toMatchObject({ feeCents: cents, hours: 4 });
  });

  test('co-development pays 20 €/h on the confirmed minutes, rounded half up to the cent', () => {
    expect(fee({ taskType: 'co-development', confirmedMinutes: 95 })).toMatchObject({ feeCents: 3167, totalCents: 3167, hours: 1.58 }); // 31,666… → 31,67
    expect(fee({ taskType: 'co-development', confirmedMinutes: 120 })).toMatchObject({ feeCents: 4000, hours: 2 });
    expect(fee({ taskType: 'co-development', confirmedMinutes: 1 })).toMatchObject({ feeCents: 33, hours: 0.02 }); // 33,33… → 33
    expect(fee({ taskType: 'co-development', confirmedMinutes: 2 })).toMatchObject({ feeCents: 67, hours: 0.03 }); // 66,66… → 67
  });

  test('exact halves round up, not to even', () => {
    const t = variant({ rows: [{ taskType: 'co-development', kind: 'perHour', amountCents: 30, incomeType: 'meetingFee' }, { taskType: 'talk', kind: 'perHour', amountCents: 150, incomeType: 'lectureFee' }] });
    expect(fee({ taskType: 'co-development', confirmedMinutes: 1 }, t)).toMatchObject({ feeCents: 1 }); // 0,5 → 1
    expect(fee({ taskType: 'talk', confirmedMinutes: 1 }, t)).toMatchObject({ feeCents: 3 }); // 2,5 → 3
    expect(fee({ taskType: 'talk', confirmedMinutes: 3 }, t)).toMatchObject({ feeCents: 8 }); // 7,5 → 8
  });

  test('a package is a flat price for its hours', () => {
    const t = variant({ rows: [{ taskType: 'training', kind: 'package', amountCents: 12000, packageHours: 3, incomeType: 'lectureFee' }] });
    expect(fee({ taskType: 'training', confirmedMinutes: 60 }, t)).toMatchObject({ feeCents: 12000, hours: 1 });
    expect(fee({ taskType: 'training', confirmedMinutes: 300 }, t)).toMatchObject({ feeCents: 12000, hours: 5 });
  });
});

describe('computeFee: travel', () => {
  test('km at the tariff rate and bought tickets are added to the fee', () => {
    expect(fee({ taskType: 'talk', travelKm: 42, ticketCents: 550 })).toMatchObject({ feeCents: 3000, travelCents: 1050 + 550, totalCents: 3000 + 1600 });
    expect(fee({ taskType: 'talk', travelKm: 12.3 })).toMatchObject({ travelCents: 308 }); // 307,5 → 308
    expect(fee({ taskType: 'talk', travelKm: 0.1 })).toMatchObject({ travelCents: 3 }); // 2,5 → 3
  });

  test('maxKm caps the km; tickets are ignored when the tariff does not reimburse them', () => {
    expect(fee({ taskType: 'talk', travelKm: 500 }, variant({ travel: { ...tariffs[0].travel, maxKm: 100 } }))).toMatchObject({ travelCents: 2500 });
    expect(fee({ taskType: 'talk', travelKm: 10, ticketCents: 550 }, variant({ travel: { ...tariffs[0].travel, ticketsReimbursed: false } }))).toMatchObject({ travelCents: 250, totalCents: 3250 });
  });
});

describe('computeFee: volunteers and outcomes', () => {
  test('a volunteer gets no fee, but the hours count and travel is reimbursed', () => {
    expect(fee({ taskType: 'talk', feePreference: 'volunteer', travelKm: 10, ticketCents: 100 })).toEqual({ ok: true, feeCents: 0, travelCents: 350, totalCents: 350, hours: 1.5, tariffVersion: 'pirkanmaa-2026-1', payable: true,
      lines: [{ kind: 'fee', incomeType: 'lectureFee', cents: 0, hundredths: 150, kmHundredths: 0 }, { kind: 'travelKm', incomeType: 'kmAllowance', cents: 250, hundredths: 0, kmHundredths: 1000 }, { kind: 'travelTickets', incomeType: 'ticketReimbursement', cents: 100, hundredths: 0, kmHundredths: 0 }] });
    expect(fee({ taskType: 'co-development', feePreference: 'volunteer', confirmedMinutes: 95 })).toMatchObject({ feeCents: 0, hours: 1.58 });
  });

  test('late cancellation keeps the fee (on the ordered minutes); no km, bought tickets reimbursed', () => {
    expect(fee({ taskType: 'training', outcome: 'cancelledLate', travelKm: 40, ticketCents: 700 })).toEqual({ ok: true, feeCents: 5000, travelCents: 700, totalCents: 5700, hours: 1.5, tariffVersion: 'pirkanmaa-2026-1', payable: true,
      lines: [{ kind: 'lateCancellation', incomeType: 'lectureFee', cents: 5000, hundredths: 150, kmHundredths: 0 }, { kind: 'travelTickets', incomeType: 'ticketReimbursement', cents: 700, hundredths: 0, kmHundredths: 0 }] });
    expect(fee({ taskType: 'co-development', outcome: 'cancelledLate', confirmedMinutes: 90 })).toMatchObject({ feeCents: 3000, hours: 1.5 });
    const off = variant({ lateCancellationPayable: false });
    expect(fee({ taskType: 'training', outcome: 'cancelledLate', travelKm: 40, ticketCents: 700 }, off)).toEqual({ ok: true, feeCents: 0, travelCents: 700, totalCents: 700, hours: 0, tariffVersion: 'pirkanmaa-2026-1', payable: false,
      lines: [{ kind: 'travelTickets', incomeType: 'ticketReimbursement', cents: 700, hundredths: 0, kmHundredths: 0 }] });
  });

  test('early cancellation pays nothing, not even tickets, and counts no hours', () => {
    expect(fee({ taskType: 'training', outcome: 'cancelledEarly', travelKm: 40, ticketCents: 700 })).toEqual({ ok: true, feeCents: 0, travelCents: 0, totalCents: 0, hours: 0, tariffVersion: 'pirkanmaa-2026-1', payable: false, lines: [] });
  });

  test('client no-show keeps the fee when the flag is on, and pays none when it is off; the trip was made either way', () => {
    expect(fee({ taskType: 'peer-group', outcome: 'noShow', travelKm: 20 })).toMatchObject({ feeCents: 3000, travelCents: 500, hours: 1.5, payable: true });
    const off = variant({ noShowPayable: false });
    expect(fee({ taskType: 'peer-group', outcome: 'noShow', ticketCents: 420 }, off)).toEqual({ ok: true, feeCents: 0, travelCents: 420, totalCents: 420, hours: 0, tariffVersion: 'pirkanmaa-2026-1', payable: false,
      lines: [{ kind: 'travelTickets', incomeType: 'ticketReimbursement', cents: 420, hundredths: 0, kmHundredths: 0 }] });
  });
});

describe('tariff versions', () => {
  const two = loadTariffs({ tariffs: [{ ...tariffs[0], validTo: '2026-06-30' }, { ...tariffs[0], version: 'v2', validFrom: '2026-07-01', rows: [{ taskType: 'talk', kind: 'perTime', amountCents: 3500, incomeType: 'lectureFee' }] }] });
  if (!two.ok) throw new Error(two.errors.join('\n'));

  test('the tariff valid on the date is used, both ends inclusive, and its version is returned', () => {
    expect(tariffFor(two.tariffs, '2026-01-01')!.version).toBe('pirkanmaa-2026-1');
    expect(tariffFor(two.tariffs, '2026-06-30')!.version).toBe('pirkanmaa-2026-1');
    expect(tariffFor(two.tariffs, '2026-07-01')!.version).toBe('v2');
    expect(fee({ taskType: 'talk', date: '2026-06-30' }, two.tariffs)).toMatchObject({ feeCents: 3000, tariffVersion: 'pirkanmaa-2026-1' });
    expect(fee({ taskType: 'talk', date: '2026-07-01' }, two.tariffs)).toMatchObject({ feeCents: 3500, tariffVersion: 'v2' });
  });

  test('no valid tariff, no row, or bad input is an error value, not a zero fee', () => {
    expect(tariffFor(tariffs, '2025-12-31')).toBeUndefined();
    expect(fee({ taskType: 'talk', date: '2025-12-31' })).toEqual({ ok: false, error: 'noTariff' });
    expect(fee({ taskType: 'training', date: '2026-07-01' }, two.tariffs)).toEqual({ ok: false, error: 'noRow' });
    expect(fee({ taskType: 'unknown' })).toEqual({ ok: false, error: 'noRow' });
    for (const bad of [{ date: '2026-02-30' }, { date: '15.10.2026' }, { confirmedMinutes: -1 }, { confirmedMinutes: 90.5 }, { confirmedMinutes: NaN }, { travelKm: -3 }, { travelKm: Infinity }, { ticketCents: -1 }, { ticketCents: 1.5 }]) {
      expect(fee({ taskType: 'talk', ...bad })).toEqual({ ok: false, error: 'invalidInput' });
    }
  });
});

describe('loadTariffs refuses a bad file with readable errors', () => {
  const t0 = () => JSON.parse(JSON.stringify(tariffs[0])) as Record<string, unknown> & FeeTariff;
  const errorsOf = (json: unknown) => {
    const r = loadTariffs(json);
    expect(r.ok).toBe(false);
    return r.ok ? [] : r.errors;
  };

  test('overlapping validity ranges', () => {
    expect(errorsOf({ tariffs: [t0(), { ...t0(), version: 'x', validFrom: '2026-03-01' }] }).join()).toMatch(/pirkanmaa-2026-1 and x overlap/);
    expect(errorsOf({ tariffs: [{ ...t0(), validTo: '2026-03-01' }, { ...t0(), version: 'x', validFrom: '2026-03-01' }] }).join()).toMatch(/overlap/);
    expect(errorsOf({ tariffs: [{ ...t0(), validFrom: '2026-01-01', validTo: '2026-12-31' }, { ...t0(), version: 'x', validFrom: '2026-05-01', validTo: '2026-05-31' }] }).join()).toMatch(/overlap/);
    expect(loadTariffs({ tariffs: [{ ...t0(), validTo: '2026-02-28' }, { ...t0(), version: 'x', validFrom: '2026-03-01' }] }).ok).toBe(true);
  });

  test('duplicate task type in a tariff, duplicate version', () => {
    expect(errorsOf({ tariffs: [{ ...t0(), rows: [t0().rows[0], t0().rows[0]] }] }).join()).toMatch(/co-development appears twice/);
    expect(errorsOf({ tariffs: [{ ...t0(), validTo: '2026-02-28' }, { ...t0(), validFrom: '2026-03-01' }] }).join()).toMatch(/version pirkanmaa-2026-1 appears twice/);
  });

  test('field errors name their path', () => {
    expect(errorsOf({}).join()).toMatch(/^tariffs: /);
    expect(errorsOf({ tariffs: [{ ...t0(), validFrom: '2026-02-30' }] }).join()).toMatch(/tariffs\.0\.validFrom: must be a calendar date/);
    expect(errorsOf({ tariffs: [{ ...t0(), validTo: '2025-12-31' }] }).join()).toMatch(/validTo before validFrom/);
    expect(errorsOf({ tariffs: [{ ...t0(), currency: 'USD' }] }).join()).toMatch(/tariffs\.0\.currency/);
    expect(errorsOf({ tariffs: [{ ...t0(), rows: [{ taskType: 'talk', kind: 'perTime', amountCents: 30.5 }] }] }).join()).toMatch(/tariffs\.0\.rows\.0\.amountCents/);
    expect(errorsOf({ tariffs: [{ ...t0(), rows: [{ taskType: 'talk', kind: 'perTime', amountCents: -1 }] }] }).join()).toMatch(/tariffs\.0\.rows\.0\.amountCents/);
    expect(errorsOf({ tariffs: [{ ...t0(), rows: [{ taskType: 'talk', kind: 'perDay', amountCents: 1 }] }] }).join()).toMatch(/tariffs\.0\.rows\.0\.kind/);
    expect(errorsOf({ tariffs: [{ ...t0(), travel: { perKmCents: 25 } }] }).join()).toMatch(/tariffs\.0\.travel\.ticketsReimbursed/);
    expect(errorsOf({ tariffs: [{ ...t0(), extra: 1 }] }).join()).toMatch(/extra/);
    expect(errorsOf({ ...file, comment: 'x' }).join()).toMatch(/comment/);
  });

  test('packageHours belongs to package rows only, and they need it', () => {
    expect(errorsOf({ tariffs: [{ ...t0(), rows: [{ taskType: 'talk', kind: 'package', amountCents: 9000, incomeType: 'lectureFee' }] }] }).join()).toMatch(/rows\.0\.packageHours: a package row \(talk\) needs packageHours/);
    expect(errorsOf({ tariffs: [{ ...t0(), rows: [{ taskType: 'talk', kind: 'perTime', amountCents: 3000, packageHours: 2, incomeType: 'lectureFee' }] }] }).join()).toMatch(/only for package rows/);
  });
});

describe('income types (Incomes Register)', () => {
  test('each task type of both presets is paid as a wage income type; the codes found are 210 and 214, the rest wait for payroll (null)', () => {
    for (const t of [tariffs[0], kokoa[0]]) {
      for (const r of t.rows) expect(['wage', 'workCompensation']).toContain(t.incomeTypes[r.incomeType].class);
      expect(t.incomeTypes.meetingFee).toMatchObject({ class: 'wage', code: '210' });
      expect(t.incomeTypes.lectureFee).toMatchObject({ class: 'wage', code: '214' });
      expect(t.incomeTypes.workCompensation).toMatchObject({ class: 'workCompensation', code: null });
      for (const id of [t.travel.kmIncomeType, t.travel.ticketIncomeType]) expect(t.incomeTypes[id]).toMatchObject({ class: 'expense', code: null });
    }
    expect(tariffs[0].rows.find((r) => r.taskType === 'working-group')!.incomeType).toBe('meetingFee');
    expect(tariffs[0].rows.find((r) => r.taskType === 'training')!.incomeType).toBe('lectureFee');
  });

  test('a fee line carries the income type of its row; travel is on lines of its own, km and tickets apart', () => {
    expect(fee({ taskType: 'working-group', travelKm: 12.3, ticketCents: 550 })).toMatchObject({ lines: [
      { kind: 'fee', incomeType: 'meetingFee', cents: 4000, hundredths: 150, kmHundredths: 0 },
      { kind: 'travelKm', incomeType: 'kmAllowance', cents: 308, hundredths: 0, kmHundredths: 1230 },
      { kind: 'travelTickets', incomeType: 'ticketReimbursement', cents: 550, hundredths: 0, kmHundredths: 0 },
    ] });
    expect(fee({ taskType: 'talk' })).toMatchObject({ lines: [{ kind: 'fee', incomeType: 'lectureFee', cents: 3000 }] });
  });

  test('a late cancellation and a no-show are income lines of their own, with their own income type when the tariff names one', () => {
    expect(fee({ taskType: 'peer-group', outcome: 'noShow' })).toMatchObject({ lines: [{ kind: 'noShow', incomeType: 'otherFee', cents: 3000 }] });
    const own = variant({ lateCancellationIncomeType: 'workCompensation', noShowIncomeType: 'meetingFee' });
    expect(fee({ taskType: 'training', outcome: 'cancelledLate' }, own)).toMatchObject({ lines: [{ kind: 'lateCancellation', incomeType: 'workCompensation', cents: 5000 }] });
    expect(fee({ taskType: 'training', outcome: 'noShow' }, own)).toMatchObject({ lines: [{ kind: 'noShow', incomeType: 'meetingFee', cents: 5000 }] });
  });

  test('a row paid as työkorvaus', () => {
    const t = variant({ rows: [{ taskType: 'talk', kind: 'perTime', amountCents: 9000, incomeType: 'workCompensation' }] });
    expect(fee({ taskType: 'talk' }, t)).toMatchObject({ lines: [{ kind: 'fee', incomeType: 'workCompensation', cents: 9000 }] });
  });

  test('unknown income types, wrong classes and made-up code formats are refused with their path', () => {
    const t0 = JSON.parse(JSON.stringify(tariffs[0])) as FeeTariff;
    const errs = (over: Partial<FeeTariff>) => { const r = loadTariffs({ tariffs: [{ ...t0, ...over }] }); return r.ok ? '' : r.errors.join('\n'); };
    expect(errs({ rows: [{ ...t0.rows[0], incomeType: 'bonus' }] })).toMatch(/rows\.0\.incomeType: income type bonus is not in/);
    expect(errs({ rows: [{ ...t0.rows[0], incomeType: 'kmAllowance' }] })).toMatch(/rows\.0\.incomeType: income type kmAllowance is expense; here it must be wage or workCompensation/);
    expect(errs({ travel: { ...t0.travel, kmIncomeType: 'meetingFee' } })).toMatch(/travel\.kmIncomeType: .*must be expense/);
    expect(errs({ noShowIncomeType: 'nope' })).toMatch(/noShowIncomeType/);
    expect(errs({ incomeTypes: { ...t0.incomeTypes, meetingFee: { ...t0.incomeTypes.meetingFee, code: '21' } } })).toMatch(/incomeTypes\.meetingFee\.code: an Incomes Register income type code is three digits/);
    expect(errs({ incomeTypes: { ...t0.incomeTypes, meetingFee: { ...t0.incomeTypes.meetingFee, name: { fi: 'x' } as never } } })).toMatch(/incomeTypes\.meetingFee\.name\.sv/);
  });
});

describe('config/fee-tariff-kokoa.json (KoKoA recommendations preset)', () => {
  test('is valid and covers every task type of the catalogue', () => {
    expect(kokoa).toHaveLength(1);
    expect(kokoa[0].rows.map((r) => r.taskType).sort()).toEqual(DEFAULT_TASK_TYPES.map((t) => t.id).sort());
    expect(kokoaFile.note).toMatch(/lowest figure/i);
  });

  test.each([
    ['talk', 90, 10000], ['training', 90, 10000], // lectures, panels: 100–600 €, the lowest
    ['working-group', 90, 5000], // meeting fee 50–100 €
    ['client-pair', 90, 5000], ['independent-reception', 240, 5000], // client meeting 50 € per meeting
    ['peer-group', 90, 3750], ['co-development', 120, 5000], // 25 €/h
  ])('%s, %i min, pays %i cents', (taskType, minutes, cents) => {
    expect(fee({ taskType, confirmedMinutes: minutes }, kokoa)).toMatchObject({ feeCents: cents, tariffVersion: 'kokoa-2018-1' });
  });
});

describe('adjustmentLines: what a late answer changes', () => {
  const line = (kind: IncomeLine['kind'], cents: number, hundredths = 0, incomeType = 'meetingFee', kmHundredths = 0): IncomeLine => ({ kind, incomeType, cents, hundredths, kmHundredths });

  test('nothing changed, nothing to pay', () => {
    expect(adjustmentLines([line('fee', 3000, 150)], [line('fee', 3000, 150)])).toEqual([]);
  });

  test('the first settlement is the whole amount', () => {
    expect(adjustmentLines([line('fee', 3000, 150), line('travelKm', 1050, 0, 'kmAllowance', 4200)], [])).toEqual([line('fee', 3000, 150), line('travelKm', 1050, 0, 'kmAllowance', 4200)]);
  });

  test('more confirmed hours: a + line for the difference; fewer: a − line', () => {
    expect(adjustmentLines([line('fee', 4000, 200)], [line('fee', 3000, 150)])).toEqual([line('fee', 1000, 50)]);
    expect(adjustmentLines([line('fee', 2000, 100)], [line('fee', 3000, 150)])).toEqual([line('fee', -1000, -50)]);
  });

  test('travel reported late is added; a held task turned cancellation moves the fee to a cancellation line', () => {
    expect(adjustmentLines([line('fee', 3000, 150), line('travelKm', 500, 0, 'kmAllowance', 2000)], [line('fee', 3000, 150)])).toEqual([line('travelKm', 500, 0, 'kmAllowance', 2000)]);
    expect(adjustmentLines([line('lateCancellation', 3000, 150)], [line('fee', 3000, 150)])).toEqual([line('fee', -3000, -150), line('lateCancellation', 3000, 150)]);
  });

  test('paid over several periods: the sum of what was paid counts', () => {
    expect(adjustmentLines([line('fee', 4000, 200)], [line('fee', 3000, 150), line('fee', 500, 25)])).toEqual([line('fee', 500, 25)]);
  });
});
