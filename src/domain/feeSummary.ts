import type { Locale } from './types';
import { IncomeLine, IncomeType, LINE_KINDS, LineKind } from './fees';

/**
 * One line of a settlement (the fee ledger): what one assignment adds to one pay period for
 * one income type. A settlement's lines are the payroll file; an adjustment is a line of a
 * later period for a task of an earlier one (a late answer, or a task settled late).
 */
export interface SettlementLine extends IncomeLine {
  /** The pay period whose settlement this line belongs to. */
  period: string;
  assignmentId: string;
  orderId: string;
  expertId: string;
  /** Who pays: the ordering unit's cost centre, cancellations and no-shows included. */
  costCentre: string;
  /** The task's day and its pay period. */
  taskDate: string;
  taskPeriod: string;
  /** The task belongs to an earlier period than the line: an adjustment of that period. */
  adjustment: boolean;
  /** Snapshot of the income type when settled (a later tariff does not rewrite paid lines). */
  incomeCode: string | null;
  incomeClass: IncomeType['class'];
  incomeName: IncomeType['name'];
  tariffVersion: string;
}

const isTravel = (k: LineKind) => k === 'travelKm' || k === 'travelTickets';

export interface ExpertLine {
  expertId: string;
  expertName: string;
  assignments: number;
  hours: number;
  feeCents: number;
  travelCents: number;
  totalCents: number;
  /** Net of the adjustment lines (included in the other figures). */
  adjustmentCents: number;
}

export interface CostCentreLine {
  costCentre: string;
  assignments: number;
  hours: number;
  totalCents: number;
  /** Fees kept for late cancellations and no-shows, charged to this cost centre. */
  cancellationCents: number;
}

export interface SettlementSummary {
  period: string;
  perExpert: ExpertLine[];
  perCostCentre: CostCentreLine[];
  totals: { assignments: number; hours: number; feeCents: number; travelCents: number; totalCents: number; adjustmentLines: number; adjustmentCents: number };
}

/**
 * Sums a settlement's lines per expert, per cost centre and in total. Hours are summed in
 * hundredths and money in cents, as integers, so the totals reconcile exactly with the lines.
 * An assignment counts once however many lines it has.
 */
export function summarizeSettlement(period: string, lines: readonly SettlementLine[], nameOf: (expertId: string) => string): SettlementSummary {
  type Acc = { ids: Set<string>; h: number; fee: number; travel: number; adj: number; cancel: number };
  const acc = () => ({ ids: new Set<string>(), h: 0, fee: 0, travel: 0, adj: 0, cancel: 0 });
  const add = (a: Acc, l: SettlementLine) => {
    a.ids.add(l.assignmentId);
    a.h += l.hundredths;
    if (isTravel(l.kind)) a.travel += l.cents; else a.fee += l.cents;
    if (l.adjustment) a.adj += l.cents;
    if (l.kind === 'lateCancellation' || l.kind === 'noShow') a.cancel += l.cents;
  };
  const experts = new Map<string, Acc>();
  const centres = new Map<string, Acc>();
  const total = acc();
  let adjustmentLines = 0;
  for (const l of lines) {
    if (l.period !== period) continue;
    if (!experts.has(l.expertId)) experts.set(l.expertId, acc());
    if (!centres.has(l.costCentre)) centres.set(l.costCentre, acc());
    add(experts.get(l.expertId)!, l);
    add(centres.get(l.costCentre)!, l);
    add(total, l);
    if (l.adjustment) adjustmentLines++;
  }
  const collator = new Intl.Collator('fi');
  return {
    period,
    perExpert: [...experts].map(([expertId, a]) => ({
      expertId, expertName: nameOf(expertId), assignments: a.ids.size, hours: a.h / 100, feeCents: a.fee, travelCents: a.travel, totalCents: a.fee + a.travel, adjustmentCents: a.adj,
    })).sort((a, b) => collator.compare(a.expertName, b.expertName) || a.expertId.localeCompare(b.expertId)),
    perCostCentre: [...centres].map(([costCentre, a]) => ({ costCentre, assignments: a.ids.size, hours: a.h / 100, totalCents: a.fee + a.travel, cancellationCents: a.cancel }))
      .sort((a, b) => collator.compare(a.costCentre, b.costCentre)),
    totals: { assignments: total.ids.size, hours: total.h / 100, feeCents: total.fee, travelCents: total.travel, totalCents: total.fee + total.travel, adjustmentLines, adjustmentCents: total.adj },
  };
}

/** "1234,50": euros with a decimal comma, as Finnish Excel reads numbers. */
export function euros(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`;
}

export function decimalHours(h: number): string {
  return euros(Math.round(h * 100));
}

/**
 * A text cell: quoted when needed; a leading = + - @ (or tab / CR, per OWASP) gets an
 * apostrophe so that it cannot start a spreadsheet formula.
 */
export function csvText(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const HEADERS: Record<Locale, string[]> = {
  fi: ['Maksupäivä', 'Palkkakausi', 'Kokemusasiantuntija', 'Tunniste', 'Tulolaji', 'Tulolajikoodi', 'Peruste', 'Kustannuspaikka', 'Toimeksiantoja', 'Tunnit', 'Km', 'Määrä (€)', 'Oikaisu kaudelle'],
  sv: ['Betalningsdag', 'Löneperiod', 'Erfarenhetsexpert', 'Identifierare', 'Inkomstslag', 'Inkomstslagskod', 'Grund', 'Kostnadsställe', 'Uppdrag', 'Timmar', 'Km', 'Belopp (€)', 'Korrigering för period'],
  en: ['Payment date', 'Pay period', 'Expert by experience', 'Id', 'Income type', 'Income type code', 'Basis', 'Cost centre', 'Assignments', 'Hours', 'Km', 'Amount (€)', 'Adjusts period'],
};

const BASIS: Record<Locale, Record<LineKind, string>> = {
  fi: { fee: 'Tehtävä', lateCancellation: 'Myöhäinen peruutus', noShow: 'Asiakas ei saapunut', travelKm: 'Matkakorvaus, km', travelTickets: 'Matkakorvaus, liput' },
  sv: { fee: 'Uppdrag', lateCancellation: 'Sen avbokning', noShow: 'Klienten kom inte', travelKm: 'Reseersättning, km', travelTickets: 'Reseersättning, biljetter' },
  en: { fee: 'Task', lateCancellation: 'Late cancellation', noShow: 'Client did not come', travelKm: 'Travel, km', travelTickets: 'Travel, tickets' },
};

/** "15.11.2026": a date cell Finnish Excel reads as a date. */
function dateCell(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return `${d}.${m}.${y}`;
}

/**
 * The payroll file of one settlement: one row per person × income type × basis × cost centre
 * (and, for adjustments, the period adjusted), travel on rows of its own, the payment date
 * on every row. UTF-8 with BOM, `;`, CRLF, decimal comma: what Finnish Excel opens by
 * double-click; data rows only, so that payroll can import it. Text cells are guarded against
 * formulas; amounts of adjustments may be negative numbers.
 */
export function payrollCsv(period: string, paymentDay: string, lines: readonly SettlementLine[], nameOf: (expertId: string) => string, locale: Locale = 'fi'): string {
  type Row = { expertId: string; kind: LineKind; incomeType: string; code: string | null; name: string; costCentre: string; adjusts: string; ids: Set<string>; h: number; km: number; cents: number };
  const rows = new Map<string, Row>();
  for (const l of lines) {
    if (l.period !== period) continue;
    const adjusts = l.adjustment ? l.taskPeriod : '';
    const key = JSON.stringify([l.expertId, l.kind, l.incomeType, l.costCentre, adjusts]);
    const r = rows.get(key) ?? { expertId: l.expertId, kind: l.kind, incomeType: l.incomeType, code: l.incomeCode, name: l.incomeName[locale] ?? l.incomeName.fi, costCentre: l.costCentre, adjusts, ids: new Set<string>(), h: 0, km: 0, cents: 0 };
    r.ids.add(l.assignmentId); r.h += l.hundredths; r.km += l.kmHundredths; r.cents += l.cents;
    rows.set(key, r);
  }
  const collator = new Intl.Collator('fi');
  const sorted = [...rows.values()]
    // A volunteer's fee line carries hours but no money: nothing for payroll.
    .filter((r) => r.cents !== 0)
    .sort((a, b) => collator.compare(nameOf(a.expertId), nameOf(b.expertId)) || a.expertId.localeCompare(b.expertId) ||
      a.adjusts.localeCompare(b.adjusts) || LINE_KINDS.indexOf(a.kind) - LINE_KINDS.indexOf(b.kind) || a.incomeType.localeCompare(b.incomeType) || collator.compare(a.costCentre, b.costCentre));
  const basis = BASIS[locale] ?? BASIS.fi;
  const out: string[][] = [
    (HEADERS[locale] ?? HEADERS.fi).map(csvText),
    ...sorted.map((r) => [
      dateCell(paymentDay), csvText(period), csvText(nameOf(r.expertId)), csvText(r.expertId), csvText(r.name), r.code ?? '', csvText(basis[r.kind]), csvText(r.costCentre),
      String(r.ids.size), euros(r.h), r.km === 0 ? '' : euros(r.km), euros(r.cents), csvText(r.adjusts),
    ]),
  ];
  return `\uFEFF${out.map((r) => r.join(';')).join('\r\n')}\r\n`;
}
