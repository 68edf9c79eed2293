import { describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_TASK_TYPES } from '../../../src/domain/catalog';
import { computeFee, FeeInput, FeeTariff, loadTariffs, tariffFor } from '../../../src/domain/fees';

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
    expect(fee({ taskType })).toEqual({ ok: true, feeCents: cents, travelCents: 0, totalCents: cents, hours: 1.5, tariffVersion: 'pirkanmaa-2026-1', payable: true });
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
    const t = variant({ rows: [{ taskType: 'co-development', kind: 'perHour', amountCents: 30 }, { taskType: 'talk', kind: 'perHour', amountCents: 150 }] });
    expect(fee({ taskType: 'co-development', confirmedMinutes: 1 }, t)).toMatchObject({ feeCents: 1 }); // 0,5 → 1
    expect(fee({ taskType: 'talk', confirmedMinutes: 1 }, t)).toMatchObject({ feeCents: 3 }); // 2,5 → 3
    expect(fee({ taskType: 'talk', confirmedMinutes: 3 }, t)).toMatchObject({ feeCents: 8 }); // 7,5 → 8
  });

  test('a package is a flat price for its hours', () => {
    const t = variant({ rows: [{ taskType: 'training', kind: 'package', amountCents: 12000, packageHours: 3 }] });
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
    expect(fee({ taskType: 'talk', travelKm: 500 }, variant({ travel: { perKmCents: 25, ticketsReimbursed: true, maxKm: 100 } }))).toMatchObject({ travelCents: 2500 });
    expect(fee({ taskType: 'talk', travelKm: 10, ticketCents: 550 }, variant({ travel: { perKmCents: 25, ticketsReimbursed: false } }))).toMatchObject({ travelCents: 250, totalCents: 3250 });
  });
});

describe('computeFee: volunteers and outcomes', () => {
  test('a volunteer gets no fee, but the hours count and travel is reimbursed', () => {
    expect(fee({ taskType: 'talk', feePreference: 'volunteer', travelKm: 10, ticketCents: 100 })).toEqual({ ok: true, feeCents: 0, travelCents: 350, totalCents: 350, hours: 1.5, tariffVersion: 'pirkanmaa-2026-1', payable: true });
    expect(fee({ taskType: 'co-development', feePreference: 'volunteer', confirmedMinutes: 95 })).toMatchObject({ feeCents: 0, hours: 1.58 });
  });

  test('late cancellation keeps the fee (on the ordered minutes); no km, bought tickets reimbursed', () => {
    expect(fee({ taskType: 'training', outcome: 'cancelledLate', travelKm: 40, ticketCents: 700 })).toEqual({ ok: true, feeCents: 5000, travelCents: 700, totalCents: 5700, hours: 1.5, tariffVersion: 'pirkanmaa-2026-1', payable: true });
    expect(fee({ taskType: 'co-development', outcome: 'cancelledLate', confirmedMinutes: 90 })).toMatchObject({ feeCents: 3000, hours: 1.5 });
    const off = variant({ lateCancellationPayable: false });
    expect(fee({ taskType: 'training', outcome: 'cancelledLate', travelKm: 40, ticketCents: 700 }, off)).toEqual({ ok: true, feeCents: 0, travelCents: 700, totalCents: 700, hours: 0, tariffVersion: 'pirkanmaa-2026-1', payable: false });
  });

  test('early cancellation pays nothing, not even tickets, and counts no hours', () => {
    expect(fee({ taskType: 'training', outcome: 'cancelledEarly', travelKm: 40, ticketCents: 700 })).toEqual({ ok: true, feeCents: 0, travelCents: 0, totalCents: 0, hours: 0, tariffVersion: 'pirkanmaa-2026-1', payable: false });
  });

  test('client no-show keeps the fee when the flag is on, and pays none when it is off; the trip was made either way', () => {
    expect(fee({ taskType: 'peer-group', outcome: 'noShow', travelKm: 20 })).toMatchObject({ feeCents: 3000, travelCents: 500, hours: 1.5, payable: true });
    const off = variant({ noShowPayable: false });
    expect(fee({ taskType: 'peer-group', outcome: 'noShow', ticketCents: 420 }, off)).toEqual({ ok: true, feeCents: 0, travelCents: 420, totalCents: 420, hours: 0, tariffVersion: 'pirkanmaa-2026-1', payable: false });
  });
});

describe('tariff versions', () => {
  const two = loadTariffs({ tariffs: [{ ...tariffs[0], validTo: '2026-06-30' }, { ...tariffs[0], version: 'v2', validFrom: '2026-07-01', rows: [{ taskType: 'talk', kind: 'perTime', amountCents: 3500 }] }] });
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
    expect(errorsOf({ tariffs: [{ ...t0(), rows: [{ taskType: 'talk', kind: 'package', amountCents: 9000 }] }] }).join()).toMatch(/rows\.0\.packageHours: a package row \(talk\) needs packageHours/);
    expect(errorsOf({ tariffs: [{ ...t0(), rows: [{ taskType: 'talk', kind: 'perTime', amountCents: 3000, packageHours: 2 }] }] }).join()).toMatch(/only for package rows/);
  });
});
