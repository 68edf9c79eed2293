/**
 * A length of time as people type it in Finnish, Swedish or English: "2 h", "90 min",
 * "1,5 tuntia", "3 päivää", "1 d 2 h", "2 timmar". Returns milliseconds, or null when the text
 * is not such a length (or is zero).
 */
export function parseDuration(text: string): number | null {
  const s = text.trim().toLowerCase();
  if (!s) return null;
  const part = /(\d+(?:[.,]\d+)?)\s*([a-zåäö]+)\.?\s*/y;
  let total = 0;
  let at = 0;
  while (at < s.length) {
    part.lastIndex = at;
    const m = part.exec(s);
    if (!m) return null;
    const unit = UNITS.get(m[2]);
    if (unit === undefined) return null;
    total += Number(m[1].replace(',', '.')) * unit;
    at = part.lastIndex;
  }
  return total > 0 ? Math.round(total) : null;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const UNITS = new Map<string, number>([
  ...['min', 'mins', 'minute', 'minutes', 'minuutti', 'minuuttia', 'minuutti', 'minut', 'minuter'].map((u) => [u, MINUTE] as const),
  ...['h', 't', 'tunti', 'tuntia', 'tuntii', 'hour', 'hours', 'hr', 'hrs', 'tim', 'timme', 'timmar'].map((u) => [u, HOUR] as const),
  ...['d', 'pv', 'päivä', 'päivää', 'paiva', 'paivaa', 'vrk', 'day', 'days', 'dag', 'dagar', 'dygn'].map((u) => [u, DAY] as const),
]);
