/**
 * "T-2026-0042": the order number people say on the phone and type in commands. The
 * sequence runs per year and is padded to four digits; a busy year simply gets a fifth.
 */
const PATTERN = /^T-(\d{4})-(\d{4,6})$/i;

/**
 * The order number's shape as pattern source (no anchors, no groups), for patterns that
 * contain one, e.g. an outbox key `brokering:T-2026-0042`.
 */
export const ORDER_NUMBER_SOURCE = 'T-\\d{4}-\\d{4,6}';

export function formatOrderNumber(year: number, seq: number): string {
  // Callers hold a counter, not user input: a bad value is a bug, so it throws.
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new RangeError(`order number year must be 4 digits, got ${year}`);
  if (!Number.isInteger(seq) || seq < 1 || seq > 999_999) throw new RangeError(`order number sequence must be 1-999999, got ${seq}`);
  return `T-${year}-${String(seq).padStart(4, '0')}`;
}

/** Reads a typed number leniently (case, surrounding spaces); null when it is not one. */
export function parseOrderNumber(text: string): { year: number; seq: number; number: string } | null {
  const m = PATTERN.exec(text.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const seq = Number(m[2]);
  if (year < 1000 || seq < 1) return null;
  // Canonical form, so "t-2026-42"-style variants cannot name a second order.
  const number = formatOrderNumber(year, seq);
  return number.toUpperCase() === m[0].toUpperCase() ? { year, seq, number } : null;
}

/**
 * Whether `text` is an order number exactly as the bot writes it (card data, ids in keys):
 * canonical, with nothing around it. Typed commands use parseOrderNumber, which is lenient.
 */
export function isOrderNumber(text: string): boolean {
  return parseOrderNumber(text)?.number === text;
}
