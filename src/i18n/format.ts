import { INTL_LOCALE, Locale, t } from './index';

/**
 * Dates, times and numbers the way each language writes them: "to 10.12.2026 klo 13.00",
 * "tors 10.12.2026 kl. 13.00", "Thu 10/12/2026, 13:00"; "joulukuu 2026"; "12,5". Intl
 * formatters are costly to create and few, so each is made once per language, kind and zone.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function dateTimeFormat(locale: Locale, kind: 'weekday' | 'date' | 'time' | 'month', timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${kind}|${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      kind === 'weekday' ? { weekday: 'short' }
      : kind === 'date' ? { day: 'numeric', month: 'numeric', year: 'numeric' }
      : kind === 'time' ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
      : { month: 'long', year: 'numeric' };
    f = new Intl.DateTimeFormat(INTL_LOCALE[locale], { ...options, timeZone });
    formatters.set(key, f);
  }
  return f;
}

/** "10.12.2026" (en: "10/12/2026") in the given zone. */
export function formatDate(locale: Locale, instant: Date, timeZone: string): string {
  return dateTimeFormat(locale, 'date', timeZone).format(instant);
}

/** "13.00" (en: "13:00") in the given zone. */
export function formatTime(locale: Locale, instant: Date, timeZone: string): string {
  return dateTimeFormat(locale, 'time', timeZone).format(instant);
}

/** "to 10.12.2026 klo 13.00" — weekday, date and time in the given zone. */
export function formatWhen(locale: Locale, instant: Date, timeZone: string): string {
  return t(locale, 'format.when', {
    weekday: dateTimeFormat(locale, 'weekday', timeZone).format(instant).replace(/\.$/, ''),
    date: formatDate(locale, instant, timeZone),
    time: formatTime(locale, instant, timeZone),
  });
}

/** "1 h 30 min", "45 min". */
export function formatDuration(locale: Locale, minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return t(locale, 'format.duration', { hours, minutes: rest, both: hours > 0 && rest > 0 ? 'yes' : 'no' });
}

/** "joulukuu 2026" for "2026-12" (a calendar month, so no time zone applies). */
export function formatMonth(locale: Locale, month: string): string {
  const [y, m] = month.split('-').map(Number);
  return dateTimeFormat(locale, 'month', 'UTC').format(new Date(Date.UTC(y, m - 1, 15)));
}

const numberFormats = new Map<string, Intl.NumberFormat>();
/** A number as the language writes it: "12,5" in fi and sv, "12.5" in en. */
export function formatNumber(locale: Locale, n: number, fractionDigits = 0): string {
  const key = `${locale}|${fractionDigits}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(INTL_LOCALE[locale], { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits })));
  return f.format(n);
}
