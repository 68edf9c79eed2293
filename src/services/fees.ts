import fs from 'node:fs';
import path from 'node:path';
import { computeFee, FeeTariff, loadTariffs, Outcome, tariffFor } from '../domain/fees';
import { FeeRecord, MonthSummary, payrollCsv, summarizeMonth } from '../domain/feeSummary';
import { localParts, zonedTimeToUtc } from '../domain/time';
import { AssignmentDoc } from '../store/assignments';
import { ServiceDeps } from './deps';

export const DEFAULT_TARIFF_FILE = path.resolve(__dirname, '..', '..', 'config', 'fee-tariff.json');

/** Reads and validates the tariff file once at start; a bad file stops start-up. */
export function readTariffFile(file: string): { ok: true; tariffs: FeeTariff[] } | { ok: false; errors: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    return { ok: false, errors: [`FEE_TARIFF_FILE: cannot read ${file}: ${(error as Error).message}`] };
  }
  const r = loadTariffs(json);
  return r.ok ? r : { ok: false, errors: r.errors.map((e) => `FEE_TARIFF_FILE ${file}: ${e}`) };
}

export function tariffRowLookup(tariffs: FeeTariff[], timeZone: string) {
  return (taskType: string, date: Date) => tariffFor(tariffs, localParts(date, timeZone).date)?.rows.find((r) => r.taskType === taskType);
}

function outcomeOf(a: AssignmentDoc): Outcome | undefined {
  // The expert could not come (reported after the start): nothing is paid, whatever the
  // orderer answered for the task as a whole (their answer covers every seat of the order).
  if (a.absentAt) return undefined;
  if (a.status === 'cancelled') return a.feePayable ? 'cancelledLate' : undefined;
  if (a.status !== 'done') return undefined;
  if (a.outcome === 'cancelled') return 'cancelledLate';
  return a.outcome === 'noShow' ? 'noShow' : 'held';
}

/** [first instant, first instant of next month) of a YYYY-MM in the deployment's time zone. */
export function monthRange(month: string, timeZone: string): [Date, Date] {
  const [y, m] = month.split('-').map(Number);
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return [zonedTimeToUtc(`${month}-01`, '00:00', timeZone)!, zonedTimeToUtc(`${next}-01`, '00:00', timeZone)!];
}

/**
 * Settles a month: computes and stores the fee of every finished assignment that has none
 * yet (stored fees are never recomputed), then summarizes the stored fees.
 */
export async function settleMonth(deps: ServiceDeps & { tariffs: FeeTariff[] }, month: string): Promise<{ summary: MonthSummary; csv: string; records: FeeRecord[] }> {
  const tz = deps.config.timeZone;
  const [from, to] = monthRange(month, tz);
  // The two reads are independent: side by side, the database works on both at once.
  const [assignments, monthOrders] = await Promise.all([deps.store.assignments.inPeriod(from, to), deps.store.orders.startingIn(from, to)]);
  const orders = new Map(monthOrders.map((o) => [o._id, o]));
  // An assignment whose order starts outside the month (none today; kept safe for later edits).
  const missing = [...new Set(assignments.map((a) => a.orderId).filter((id) => !orders.has(id)))];
  for (const o of await deps.store.orders.byIds(missing)) orders.set(o._id, o);
  const experts = new Map((await deps.store.experts.byIds([...new Set(assignments.map((a) => a.expertId))])).map((e) => [e._id, e]));
  const records: FeeRecord[] = [];
  for (const a of assignments) {
    const order = orders.get(a.orderId);
    const outcome = outcomeOf(a);
    if (!order || !outcome) continue;
    const expert = experts.get(a.expertId);
    let fee = a.fee;
    if (!fee) {
      const r = computeFee({
        taskType: order.taskType,
        date: localParts(a.startsAt, tz).date,
        confirmedMinutes: a.confirmedMinutes ?? order.durationMinutes,
        outcome,
        feePreference: expert?.feePreference ?? 'fee',
        travelKm: a.travelKm,
        ticketCents: a.ticketCents,
      }, deps.tariffs);
      if (!r.ok) {
        deps.log.warn({ assignmentId: a._id, error: r.error }, 'no tariff for assignment');
        continue;
      }
      if (!r.payable && r.totalCents === 0 && r.hours === 0) continue;
      fee = { feeCents: r.feeCents, travelCents: r.travelCents, totalCents: r.totalCents, hours: r.hours, tariffVersion: r.tariffVersion, computedAt: deps.now() };
      await deps.store.assignments.storeFee(a._id, fee);
    }
    records.push({
      expertId: a.expertId, expertName: expert?.displayName ?? a.expertId, costCentre: order.costCentre, orderId: order._id,
      date: localParts(a.startsAt, tz).date, hours: fee.hours, feeCents: fee.feeCents, travelCents: fee.travelCents, totalCents: fee.totalCents,
      volunteer: expert?.feePreference === 'volunteer',
    });
  }
  const summary = summarizeMonth(records, month);
  return { summary, csv: payrollCsv(summary), records };
}
