import { isIsoDay } from './fees';

/**
 * Pay periods and their dates. A deployment settles fees monthly ("2026-10") or twice a month
 * ("2026-10.1" = 1st–15th, "2026-10.2" = 16th–last day). Each settled period has a payment
 * date and an Incomes Register deadline; all dates are calendar days (YYYY-MM-DD) in the
 * deployment's time zone.
 */
export type PayPeriodMode = 'monthly' | 'semimonthly';

export interface PayPeriod {
  id: string;
  firstDay: string;
  lastDay: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
const iso = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** The period a period id names, or undefined when the id does not fit the mode. */
export function parsePeriod(id: string, mode: PayPeriodMode): PayPeriod | undefined {
  const m = /^(\d{4})-(0[1-9]|1[0-2])(?:\.([12]))?$/.exec(id);
  if (!m) return undefined;
  const [y, mo, half] = [Number(m[1]), Number(m[2]), m[3]];
  if (mode === 'monthly') return half ? undefined : { id, firstDay: iso(y, mo, 1), lastDay: iso(y, mo, daysInMonth(y, mo)) };
  if (!half) return undefined;
  return half === '1' ? { id, firstDay: iso(y, mo, 1), lastDay: iso(y, mo, 15) } : { id, firstDay: iso(y, mo, 16), lastDay: iso(y, mo, daysInMonth(y, mo)) };
}

/** The period a day belongs to. */
export function periodOf(day: string, mode: PayPeriodMode): PayPeriod {
  const month = day.slice(0, 7);
  const id = mode === 'monthly' ? month : `${month}.${Number(day.slice(8, 10)) <= 15 ? 1 : 2}`;
  return parsePeriod(id, mode)!;
}

/** The period that ended last before `day` (what a settlement run on `day` settles). */
export function previousPeriod(day: string, mode: PayPeriodMode): PayPeriod {
  return periodOf(addDays(periodOf(day, mode).firstDay, -1), mode);
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Whole calendar days from a to b (b later: positive). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** Easter Sunday (Gregorian; anonymous algorithm). */
function easter(y: number): string {
  const a = y % 19, b = Math.floor(y / 100), c = y % 100, d = Math.floor(b / 4), e = b % 4;
  const f = Math.floor((b + 8) / 25), g = Math.floor((b - f + 1) / 3), h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4), k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31), day = ((h + l - 7 * m + 114) % 31) + 1;
  return iso(y, month, day);
}

/**
 * Days on which Finnish banks do not pay (besides weekends): New Year, Epiphany, Good Friday,
 * Easter Monday, 1 May, Ascension Day, Midsummer Eve, Independence Day, Christmas Eve,
 * Christmas Day, Boxing Day.
 */
export function bankHolidays(y: number): Set<string> {
  const e = easter(y);
  // Midsummer Eve: the Friday between 19 and 25 June.
  let midsummerEve = '';
  for (let d = 19; d <= 25; d++) if (new Date(Date.UTC(y, 5, d)).getUTCDay() === 5) midsummerEve = iso(y, 6, d);
  return new Set([iso(y, 1, 1), iso(y, 1, 6), addDays(e, -2), addDays(e, 1), iso(y, 5, 1), addDays(e, 39), midsummerEve, iso(y, 12, 6), iso(y, 12, 24), iso(y, 12, 25), iso(y, 12, 26)]);
}

export function isBankingDay(day: string): boolean {
  const wd = new Date(`${day}T00:00:00Z`).getUTCDay();
  return wd !== 0 && wd !== 6 && !bankHolidays(Number(day.slice(0, 4))).has(day);
}

/**
 * The payment date: `daysAfter` days after the period's last day; on a weekend or bank
 * holiday the banking day before it (pay is not paid late because of a holiday).
 */
export function paymentDate(period: PayPeriod, daysAfter: number): string {
  let day = addDays(period.lastDay, daysAfter);
  while (!isBankingDay(day)) day = addDays(day, -1);
  return day;
}

/**
 * The Incomes Register deadline: 5 calendar days after the payment date; when the 5th day is a
 * Saturday, Sunday or holiday, the next business day (vero.fi, "Deadlines for reporting").
 */
export function reportByDate(paymentDay: string): string {
  let day = addDays(paymentDay, 5);
  while (!isBankingDay(day)) day = addDays(day, 1);
  return day;
}

/** "15.11.2026" */
export function finnishDate(day: string): string {
  if (!isIsoDay(day)) return day;
  const [y, m, d] = day.split('-').map(Number);
  return `${d}.${m}.${y}`;
}

/** How a period reads on cards: "10/2026" or "1.–15.10.2026". */
export function periodLabel(p: PayPeriod): string {
  const [y, m] = p.firstDay.split('-').map(Number);
  if (p.id.length === 7) return `${m}/${y}`;
  return `${Number(p.firstDay.slice(8))}.–${Number(p.lastDay.slice(8))}.${m}.${y}`;
}
