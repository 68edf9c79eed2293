import type { Locale } from './types';

/** One assignment's stored fee, as the monthly summary reads it. */
export interface FeeRecord {
  expertId: string;
  expertName: string;
  costCentre: string;
  orderId: string;
  date: string;
  hours: number;
  feeCents: number;
  travelCents: number;
  totalCents: number;
  volunteer: boolean;
}

export interface ExpertLine {
  expertId: string;
  expertName: string;
  assignments: number;
  hours: number;
  feeCents: number;
  travelCents: number;
  totalCents: number;
}

export interface CostCentreLine {
  costCentre: string;
  assignments: number;
  hours: number;
  feeCents: number;
  travelCents: number;
  totalCents: number;
}

export interface MonthSummary {
  month: string;
  perExpert: ExpertLine[];
  perCostCentre: CostCentreLine[];
  totals: { assignments: number; hours: number; feeCents: number; travelCents: number; totalCents: number };
}

/** Hours are summed in hundredths as integers, so totals reconcile exactly with the records. */
const hundredths = (h: number) => Math.round(h * 100);

/**
 * Sums stored fees per expert, per cost centre and in total. With `month` (YYYY-MM) only the
 * records dated in it count; without, all records given do (the caller chose them).
 */
export function summarizeMonth(records: readonly FeeRecord[], month?: string): MonthSummary {
  const mm = month === undefined ? null : /^\d{4}-(\d{2})$/.exec(month);
  if (month !== undefined && (!mm || Number(mm[1]) < 1 || Number(mm[1]) > 12)) throw new RangeError(`month must be YYYY-MM, got ${JSON.stringify(month)}`);
  const inMonth = month === undefined ? records : records.filter((x) => x.date.slice(0, 7) === month && x.date[7] === '-');
  const experts = new Map<string, ExpertLine & { h: number }>();
  const centres = new Map<string, CostCentreLine & { h: number }>();
  const totals = { assignments: 0, h: 0, feeCents: 0, travelCents: 0, totalCents: 0 };
  for (const r of inMonth) {
    const e = experts.get(r.expertId) ?? { expertId: r.expertId, expertName: r.expertName, assignments: 0, hours: 0, h: 0, feeCents: 0, travelCents: 0, totalCents: 0 };
    e.assignments++; e.h += hundredths(r.hours); e.feeCents += r.feeCents; e.travelCents += r.travelCents; e.totalCents += r.totalCents;
    experts.set(r.expertId, e);
    const c = centres.get(r.costCentre) ?? { costCentre: r.costCentre, assignments: 0, hours: 0, h: 0, feeCents: 0, travelCents: 0, totalCents: 0 };
    c.assignments++; c.h += hundredths(r.hours); c.feeCents += r.feeCents; c.travelCents += r.travelCents; c.totalCents += r.totalCents;
    centres.set(r.costCentre, c);
    totals.assignments++; totals.h += hundredths(r.hours); totals.feeCents += r.feeCents; totals.travelCents += r.travelCents; totals.totalCents += r.totalCents;
  }
  const months = new Set(inMonth.map((r) => r.date.slice(0, 7)));
  const collator = new Intl.Collator('fi');
  return {
    // Without a month asked for: the records' one month, or '' when they span several.
    month: month ?? (months.size === 1 ? [...months][0] : ''),
    perExpert: [...experts.values()].map(({ h, ...e }) => ({ ...e, hours: h / 100 })).sort((a, b) => collator.compare(a.expertName, b.expertName) || a.expertId.localeCompare(b.expertId)),
    perCostCentre: [...centres.values()].map(({ h, ...c }) => ({ ...c, hours: h / 100 })).sort((a, b) => collator.compare(a.costCentre, b.costCentre)),
    totals: { assignments: totals.assignments, hours: totals.h / 100, feeCents: totals.feeCents, travelCents: totals.travelCents, totalCents: totals.totalCents },
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

const HEADERS: Record<Locale, { expert: string[]; centre: string[]; total: string }> = {
  fi: {
    expert: ['Kokemusasiantuntija', 'Tunniste', 'Toimeksiantoja', 'Tunnit', 'Palkkio (€)', 'Matkakorvaus (€)', 'Yhteensä (€)'],
    centre: ['Kustannuspaikka', 'Toimeksiantoja', 'Tunnit', 'Yhteensä (€)'],
    total: 'Yhteensä',
  },
  sv: {
    expert: ['Erfarenhetsexpert', 'Identifierare', 'Uppdrag', 'Timmar', 'Arvode (€)', 'Reseersättning (€)', 'Totalt (€)'],
    centre: ['Kostnadsställe', 'Uppdrag', 'Timmar', 'Totalt (€)'],
    total: 'Totalt',
  },
  en: {
    expert: ['Expert by experience', 'Id', 'Assignments', 'Hours', 'Fee (€)', 'Travel (€)', 'Total (€)'],
    centre: ['Cost centre', 'Assignments', 'Hours', 'Total (€)'],
    total: 'Total',
  },
};

/**
 * The payroll file: UTF-8 with BOM, `;` separated, CRLF, decimal comma — what Finnish Excel
 * opens correctly by double-click. The locale changes the header words only: the numbers keep
 * the decimal comma in every locale, because the file goes to the county's payroll.
 */
export function payrollCsv(s: MonthSummary, locale: Locale = 'fi'): string {
  const h = HEADERS[locale] ?? HEADERS.fi;
  const rows: string[][] = [
    h.expert.map(csvText),
    ...s.perExpert.map((e) => [csvText(e.expertName), csvText(e.expertId), String(e.assignments), decimalHours(e.hours), euros(e.feeCents), euros(e.travelCents), euros(e.totalCents)]),
    [],
    h.centre.map(csvText),
    ...s.perCostCentre.map((c) => [csvText(c.costCentre), String(c.assignments), decimalHours(c.hours), euros(c.totalCents)]),
    [],
    [csvText(h.total), '', String(s.totals.assignments), decimalHours(s.totals.hours), euros(s.totals.feeCents), euros(s.totals.travelCents), euros(s.totals.totalCents)],
  ];
  return `\uFEFF${rows.map((r) => r.join(';')).join('\r\n')}\r\n`;
}
