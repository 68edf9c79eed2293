import fs from 'node:fs';
import path from 'node:path';
import { adjustmentLines, computeFee, FeeTariff, IncomeLine, loadTariffs, Outcome, tariffFor } from '../domain/fees';
import { payrollCsv, SettlementLine, SettlementSummary, summarizeSettlement } from '../domain/feeSummary';
import { addDays, daysBetween, finnishDate, parsePeriod, PayPeriod, paymentDate, periodLabel, periodOf, reportByDate } from '../domain/payPeriods';
import { Locale, t } from '../i18n';
import { volunteerIn } from '../domain/benefitGuard';
import { localParts, zonedTimeToUtc } from '../domain/time';
import { AssignmentDoc, StoredFee } from '../store/assignments';
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

/** The fee case of an assignment: undefined when nothing is owed (early cancellation, not finished). */
export function outcomeOf(a: AssignmentDoc): Outcome | undefined {
  // The expert could not come (reported after the start): nothing is paid, whatever the
  // orderer answered for the task as a whole (their answer covers every seat of the order).
  if (a.absentAt) return undefined;
  if (a.status === 'cancelled') return a.feePayable ? 'cancelledLate' : undefined;
  if (a.status !== 'done') return undefined;
  if (a.outcome === 'cancelled') return 'cancelledLate';
  return a.outcome === 'noShow' ? 'noShow' : 'held';
}

/** [first instant, first instant after the last day) of a pay period in the deployment's time zone. */
export function periodRange(period: PayPeriod, timeZone: string): [Date, Date] {
  return [zonedTimeToUtc(period.firstDay, '00:00', timeZone)!, zonedTimeToUtc(addDays(period.lastDay, 1), '00:00', timeZone)!];
}

/** Days from task to payment over a settlement's assignments (goal: within 14). */
export interface PayDelay { assignments: number; medianDays: number; maxDays: number; withinGoal: number }
export const PAY_DELAY_GOAL_DAYS = 14;

export function payDelay(lines: readonly SettlementLine[], paymentDay: string): PayDelay {
  const byAssignment = new Map<string, string>();
  for (const l of lines) if (l.cents !== 0) byAssignment.set(l.assignmentId, l.taskDate);
  const days = [...byAssignment.values()].map((d) => daysBetween(d, paymentDay)).sort((a, b) => a - b);
  if (days.length === 0) return { assignments: 0, medianDays: 0, maxDays: 0, withinGoal: 0 };
  const mid = Math.floor(days.length / 2);
  const median = days.length % 2 ? days[mid] : Math.round((days[mid - 1] + days[mid]) / 2);
  return { assignments: days.length, medianDays: median, maxDays: days[days.length - 1], withinGoal: days.filter((d) => d <= PAY_DELAY_GOAL_DAYS).length };
}

export type SettleResult =
  | { ok: true; period: PayPeriod; paymentDate: string; reportBy: string; summary: SettlementSummary; csv: string; lines: SettlementLine[]; delay: PayDelay; notComputed: number }
  | { ok: false; reason: 'badPeriod' | 'notEnded' };

/**
 * Settles a pay period. Every finished assignment up to the period's end that was never
 * settled, and every one with an answer written since it was (a late answer), gets what it is
 * owed now computed; what it was paid before (its ledger lines of other periods) is
 * subtracted, and the difference is this period's lines for it. For the period's own tasks
 * that is simply the fee; for earlier ones it is an adjustment (+/−), marked as such. The
 * fee of an assignment is computed with the tariff version and fee choice of its first
 * settlement. Repeating a settlement (a resumed run) writes the same lines again.
 */
export async function settlePeriod(deps: ServiceDeps & { tariffs: FeeTariff[] }, periodId: string, now: Date = deps.now()): Promise<SettleResult> {
  const tz = deps.config.timeZone;
  const mode = deps.config.payPeriod;
  const period = parsePeriod(periodId, mode);
  if (!period) return { ok: false, reason: 'badPeriod' };
  const [, to] = periodRange(period, tz);
  if (to.getTime() > now.getTime()) return { ok: false, reason: 'notEnded' };
  const assignments = await deps.store.assignments.toSettle(to);
  const ids = assignments.map((a) => a._id);
  const [orderList, expertList, before, guards] = await Promise.all([
    deps.store.orders.byIds([...new Set(assignments.map((a) => a.orderId))]),
    deps.store.experts.byIds([...new Set(assignments.map((a) => a.expertId))]),
    deps.store.feeLedger.linesOf(ids),
    deps.store.earningsGuards.many([...new Set(assignments.map((a) => a.expertId))]),
  ]);
  const orders = new Map(orderList.map((o) => [o._id, o]));
  const experts = new Map(expertList.map((e) => [e._id, e]));
  const paidBefore = new Map<string, SettlementLine[]>();
  for (const l of before) if (l.period !== period.id) paidBefore.set(l.assignmentId, [...(paidBefore.get(l.assignmentId) ?? []), l]);
  let notComputed = 0;
  const settled: string[] = [];
  const newLines: SettlementLine[] = [];
  const firstFees: { id: string; fee: StoredFee }[] = [];
  const answered: { id: string; at: Date }[] = [];
  for (const a of assignments) {
    const order = orders.get(a.orderId);
    if (!order) {
      notComputed++;
      deps.log.warn({ assignmentId: a._id }, 'assignment without its order; not settled');
      continue;
    }
    const taskDate = localParts(a.startsAt, tz).date;
    const outcome = outcomeOf(a);
    // A month the expert marked as volunteer work pays no fee (decided at the first settlement).
    const feePreference = a.fee?.feePreference ?? (volunteerIn(guards.get(a.expertId.toLowerCase()) ?? undefined, taskDate) ? 'volunteer' : experts.get(a.expertId)?.feePreference ?? 'fee');
    const tariff = deps.tariffs.find((t) => t.version === a.fee?.tariffVersion) ?? tariffFor(deps.tariffs, taskDate);
    let owed: IncomeLine[] = [];
    let first: StoredFee | undefined;
    if (outcome) {
      const r = tariff
        ? computeFee({ taskType: order.taskType, confirmedMinutes: a.confirmedMinutes ?? order.durationMinutes, outcome, feePreference, travelKm: a.travelKm, ticketCents: a.ticketCents }, tariff)
        : ({ ok: false, error: 'noTariff' } as const);
      if (!r.ok) {
        // Left unsettled: it is looked at again by every settlement until the tariff covers it.
        notComputed++;
        deps.log.warn({ assignmentId: a._id, error: r.error }, 'no tariff for assignment; not settled');
        continue;
      }
      owed = r.lines;
      first = { feeCents: r.feeCents, travelCents: r.travelCents, totalCents: r.totalCents, hours: r.hours, tariffVersion: r.tariffVersion, computedAt: now, settledIn: period.id, feePreference };
    } else {
      // An early cancellation: nothing is owed, and it is settled as such.
      first = { feeCents: 0, travelCents: 0, totalCents: 0, hours: 0, tariffVersion: tariff?.version ?? '', computedAt: now, settledIn: period.id, feePreference };
    }
    const paid = paidBefore.get(a._id) ?? [];
    const taskPeriod = periodOf(taskDate, mode).id;
    // The income type as the tariff names it; for a line only paid before, as it was paid.
    const incomeOf = (id: string): Pick<SettlementLine, 'incomeCode' | 'incomeClass' | 'incomeName'> => {
      const t = tariff?.incomeTypes[id];
      if (t) return { incomeCode: t.code, incomeClass: t.class, incomeName: t.name };
      const p = paid.find((x) => x.incomeType === id);
      return p ? { incomeCode: p.incomeCode, incomeClass: p.incomeClass, incomeName: p.incomeName } : { incomeCode: null, incomeClass: 'wage', incomeName: { fi: id, sv: id, en: id } };
    };
    const lines: SettlementLine[] = adjustmentLines(owed, paid).map((l) => ({
      ...l, ...incomeOf(l.incomeType), period: period.id, assignmentId: a._id, orderId: a.orderId, expertId: a.expertId, costCentre: order.costCentre,
      taskDate, taskPeriod, adjustment: taskPeriod !== period.id, tariffVersion: tariff?.version ?? '',
    }));
    settled.push(a._id);
    newLines.push(...lines);
    if (!a.fee && first) firstFees.push({ id: a._id, fee: first });
    if (a.answerPendingAt) answered.push({ id: a._id, at: a.answerPendingAt });
  }
  // Lines first, then the fees that mark assignments settled, then the answer flags: a crash
  // in between leaves the assignments to be settled again by the resumed run, never half paid.
  await deps.store.feeLedger.replaceLines(period.id, settled, newLines, now);
  await deps.store.assignments.storeFees(firstFees);
  await deps.store.assignments.clearAnswersPending(answered);
  const lines = await deps.store.feeLedger.ofPeriod(period.id);
  const names = new Map((await deps.store.experts.byIds([...new Set(lines.map((l) => l.expertId))])).map((e) => [e._id, e.displayName]));
  const nameOf = (id: string) => names.get(id) ?? id;
  const pay = paymentDate(period, deps.config.paymentDaysAfterPeriod);
  const reportBy = reportByDate(pay);
  const summary = summarizeSettlement(period.id, lines, nameOf);
  await deps.store.feeLedger.recordSettlement({ _id: period.id, firstDay: period.firstDay, lastDay: period.lastDay, paymentDate: pay, reportBy, settledAt: now, lines: lines.length, totalCents: summary.totals.totalCents });
  return { ok: true, period, paymentDate: pay, reportBy, summary, csv: payrollCsv(period.id, pay, lines, nameOf), lines, delay: payDelay(lines, pay), notComputed };
}

/** From how many days before a settled period's Incomes Register deadline the digest warns. */
export const REPORT_WARN_DAYS = 3;

/**
 * The digest's warnings: settled periods whose Incomes Register deadline is today or within
 * REPORT_WARN_DAYS days.
 */
export async function reportDeadlineFacts(deps: Pick<ServiceDeps, 'store' | 'config'>, now: Date, locale: Locale): Promise<{ label: string; value: string }[]> {
  const today = localParts(now, deps.config.timeZone).date;
  const due = await deps.store.feeLedger.reportDueBetween(today, addDays(today, REPORT_WARN_DAYS));
  return due.map((s) => {
    const period = parsePeriod(s._id, s._id.length === 7 ? 'monthly' : 'semimonthly');
    return {
      label: t(locale, 'fees.reportDue'),
      value: t(locale, 'fees.reportDueText', { period: period ? periodLabel(period) : s._id, payment: finnishDate(s.paymentDate), date: finnishDate(s.reportBy), days: daysBetween(today, s.reportBy) }),
    };
  });
}
