import { z } from 'zod';

/**
 * The fee tariff is configuration (config/fee-tariff.json), one entry per version with its
 * validity. A fee is computed once from the tariff valid on the task's date and stored with
 * that version; a later tariff never silently changes it.
 */

/** A real calendar day as YYYY-MM-DD (2026-02-30 is refused). */
export function isIsoDay(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[mo - 1];
}

const isoDate = z.string().refine(isIsoDay, 'must be a calendar date YYYY-MM-DD');

/** An Incomes Register income type code (tulolaji), three digits; null = the county's payroll must confirm it. */
const incomeCode = z.string().regex(/^\d{3}$/, 'an Incomes Register income type code is three digits, e.g. "210"').nullable();

/**
 * An income type of the payroll file: what payroll reports the line as. `class` says how it is
 * taxed (wage: withholding by the tax card; workCompensation: työkorvaus; expense: a
 * tax-free reimbursement), `code` the Incomes Register income type, `name` what people read.
 */
const incomeTypeSchema = z.object({
  class: z.enum(['wage', 'workCompensation', 'expense']),
  code: incomeCode,
  name: z.object({ fi: z.string().min(1), sv: z.string().min(1), en: z.string().min(1) }).strict(),
}).strict();

const rowSchema = z.object({
  taskType: z.string().min(1),
  kind: z.enum(['perTime', 'perHour', 'package']),
  amountCents: z.number().int().min(0),
  /** The income type this task's fee is paid as (an id of the tariff's incomeTypes). */
  incomeType: z.string().min(1),
  /** The hours a package price covers (shown to the orderer); only for kind "package". */
  packageHours: z.number().positive().optional(),
  /** The most hours one assignment is paid for; only for kind "perHour". */
  maxHours: z.number().positive().optional(),
  label: z.string().optional(),
}).strict().superRefine((r, ctx) => {
  if (r.kind === 'package' && r.packageHours === undefined) ctx.addIssue({ code: 'custom', path: ['packageHours'], message: `a package row (${r.taskType}) needs packageHours` });
  if (r.kind !== 'package' && r.packageHours !== undefined) ctx.addIssue({ code: 'custom', path: ['packageHours'], message: `packageHours is only for package rows, not ${r.kind} (${r.taskType})` });
  if (r.kind !== 'perHour' && r.maxHours !== undefined) ctx.addIssue({ code: 'custom', path: ['maxHours'], message: `maxHours is only for perHour rows, not ${r.kind} (${r.taskType})` });
});

const tariffSchema = z.object({
  version: z.string().min(1),
  validFrom: isoDate,
  validTo: isoDate.optional(),
  currency: z.literal('EUR'),
  incomeTypes: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{0,39}$/, 'income type ids are letters, digits and -'), incomeTypeSchema),
  rows: z.array(rowSchema).min(1),
  travel: z.object({
    perKmCents: z.number().int().min(0),
    ticketsReimbursed: z.boolean(),
    maxKm: z.number().positive().optional(),
    /** Income types of the two travel lines (class expense): km allowance, bought tickets. */
    kmIncomeType: z.string().min(1),
    ticketIncomeType: z.string().min(1),
  }).strict(),
  lateCancellationPayable: z.boolean(),
  noShowPayable: z.boolean(),
  /** The income type of a fee kept for a late cancellation or a client's no-show; default: the task's own. */
  lateCancellationIncomeType: z.string().min(1).optional(),
  noShowIncomeType: z.string().min(1).optional(),
}).strict().superRefine((t, ctx) => {
  const seen = new Set<string>();
  const known = (id: string | undefined, path: (string | number)[], classes: string[]) => {
    if (id === undefined) return;
    const type = t.incomeTypes[id];
    if (!type) ctx.addIssue({ code: 'custom', path, message: `income type ${id} is not in ${t.version}'s incomeTypes` });
    else if (!classes.includes(type.class)) ctx.addIssue({ code: 'custom', path, message: `income type ${id} is ${type.class}; here it must be ${classes.join(' or ')}` });
  };
  for (const [i, r] of t.rows.entries()) {
    if (seen.has(r.taskType)) ctx.addIssue({ code: 'custom', path: ['rows'], message: `task type ${r.taskType} appears twice in ${t.version}` });
    seen.add(r.taskType);
    known(r.incomeType, ['rows', i, 'incomeType'], ['wage', 'workCompensation']);
  }
  known(t.travel.kmIncomeType, ['travel', 'kmIncomeType'], ['expense']);
  known(t.travel.ticketIncomeType, ['travel', 'ticketIncomeType'], ['expense']);
  known(t.lateCancellationIncomeType, ['lateCancellationIncomeType'], ['wage', 'workCompensation']);
  known(t.noShowIncomeType, ['noShowIncomeType'], ['wage', 'workCompensation']);
  if (t.validTo && t.validTo < t.validFrom) ctx.addIssue({ code: 'custom', path: ['validTo'], message: `${t.version}: validTo before validFrom` });
});

export const feeTariffFileSchema = z.object({ note: z.string().optional(), tariffs: z.array(tariffSchema).min(1) }).strict().superRefine((f, ctx) => {
  const versions = new Set<string>();
  for (const t of f.tariffs) {
    // The version is stored with every fee: it must name exactly one tariff.
    if (versions.has(t.version)) ctx.addIssue({ code: 'custom', path: ['tariffs'], message: `version ${t.version} appears twice` });
    versions.add(t.version);
  }
  // Sorted by start, any overlap shows up between neighbours.
  const sorted = [...f.tariffs].sort((a, b) => a.validFrom.localeCompare(b.validFrom));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (!prev.validTo || prev.validTo >= sorted[i].validFrom) {
      ctx.addIssue({ code: 'custom', path: ['tariffs'], message: `tariffs ${prev.version} and ${sorted[i].version} overlap` });
    }
  }
});

export type FeeTariffFile = z.infer<typeof feeTariffFileSchema>;
export type FeeTariff = z.infer<typeof tariffSchema>;
export type TariffRow = z.infer<typeof rowSchema>;
export type IncomeType = z.infer<typeof incomeTypeSchema>;

/** Validates the parsed tariff file; errors are "path: message" lines for the start-up log. */
export function loadTariffs(json: unknown): { ok: true; tariffs: FeeTariff[] } | { ok: false; errors: string[] } {
  const r = feeTariffFileSchema.safeParse(json);
  if (r.success) return { ok: true, tariffs: r.data.tariffs };
  return { ok: false, errors: r.error.issues.map((i) => `${i.path.join('.') || 'tariff'}: ${i.message}`) };
}

/** The tariff valid on a day (validFrom and validTo inclusive), if any. */
export function tariffFor(tariffs: readonly FeeTariff[], isoDay: string): FeeTariff | undefined {
  if (!isIsoDay(isoDay)) return undefined;
  return tariffs.find((t) => t.validFrom <= isoDay && (!t.validTo || isoDay <= t.validTo));
}

export type Outcome = 'held' | 'cancelledLate' | 'cancelledEarly' | 'noShow';

export interface FeeInput {
  taskType: string;
  /** The task's date (YYYY-MM-DD, deployment time zone): picks the tariff from a list. */
  date: string;
  /** The duration the orderer confirmed (or the ordered one for late cancellations and no-shows), whole minutes. */
  confirmedMinutes: number;
  outcome: Outcome;
  feePreference: 'fee' | 'volunteer';
  /** Kilometres driven (up to two decimals), the round trip. */
  travelKm?: number;
  /** Public transport tickets bought, in cents. */
  ticketCents?: number;
}

export type FeeError = 'noTariff' | 'noRow' | 'invalidInput';

/**
 * What a payroll line is for. A fee kept for a late cancellation or a no-show is a line of its
 * own (the ordering unit's cost centre pays it, and payroll sees why); travel is never mixed
 * with pay.
 */
export type LineKind = 'fee' | 'lateCancellation' | 'noShow' | 'travelKm' | 'travelTickets';
export const LINE_KINDS: readonly LineKind[] = ['fee', 'lateCancellation', 'noShow', 'travelKm', 'travelTickets'];

/** One income line of an assignment: the unit of the payroll file and of adjustments. */
export interface IncomeLine {
  kind: LineKind;
  /** An id of the tariff's incomeTypes. */
  incomeType: string;
  cents: number;
  /** Hours in hundredths (fee lines only; 0 on travel lines). */
  hundredths: number;
  /** Kilometres in hundredths (travelKm only). */
  kmHundredths: number;
}

export type FeeResult =
  | { ok: true; feeCents: number; travelCents: number; totalCents: number; hours: number; tariffVersion: string; payable: boolean; lines: IncomeLine[] }
  | { ok: false; error: FeeError };

/** Integer cents, half up: amount × minutes / 60 without floating point drift. */
function perHourCents(amountCents: number, minutes: number): number {
  return Math.floor((amountCents * minutes * 2 + 60) / 120);
}

/** km (up to two decimals) × cents per km, half up to the cent in integer arithmetic. */
function kmCents(km: number, perKmCents: number): number {
  const hundredthsKm = Math.round(km * 100);
  return Math.floor((hundredthsKm * perKmCents * 2 + 100) / 200);
}

const nonNegative = (n: number | undefined) => n === undefined || (Number.isFinite(n) && n >= 0);

/**
 * The fee of one assignment, from the tariff valid on its date (given a list) or from the
 * tariff given.
 * - held: the row's fee (per hour on the confirmed minutes, capped at maxHours; per time and
 *   package flat) plus travel.
 * - noShow (the client did not come; the expert did): the fee if the tariff says so, on the
 *   minutes the caller passes; the trip was made, so travel is paid in full.
 * - cancelledLate: the fee if the tariff says so (on the ordered minutes the caller passes);
 *   no km (no trip is assumed), bought tickets still reimbursed when the tariff does.
 * - cancelledEarly: nothing, 0 hours.
 * - volunteer: no fee, but hours count and travel is reimbursed.
 */
export function computeFee(input: FeeInput, tariffs: readonly FeeTariff[]): FeeResult;
export function computeFee(input: Omit<FeeInput, 'date'> & { date?: string }, tariff: FeeTariff): FeeResult;
export function computeFee(input: Omit<FeeInput, 'date'> & { date?: string }, tariffs: FeeTariff | readonly FeeTariff[]): FeeResult {
  const list = Array.isArray(tariffs);
  if ((list || input.date !== undefined) && !isIsoDay(input.date ?? '')) return { ok: false, error: 'invalidInput' };
  if (!Number.isInteger(input.confirmedMinutes) || input.confirmedMinutes < 0 ||
      !nonNegative(input.travelKm) || (input.ticketCents !== undefined && (!Number.isInteger(input.ticketCents) || input.ticketCents < 0))) {
    return { ok: false, error: 'invalidInput' };
  }
  const tariff = Array.isArray(tariffs) ? tariffFor(tariffs, input.date ?? '') : (tariffs as FeeTariff);
  if (!tariff) return { ok: false, error: 'noTariff' };
  const row = tariff.rows.find((r) => r.taskType === input.taskType);
  if (!row) return { ok: false, error: 'noRow' };
  const payable =
    input.outcome === 'held' ||
    (input.outcome === 'cancelledLate' && tariff.lateCancellationPayable) ||
    (input.outcome === 'noShow' && tariff.noShowPayable);
  const minutes = payable ? input.confirmedMinutes : 0;
  const hours = Math.round((minutes * 100) / 60) / 100;
  let feeCents = 0;
  if (payable && input.feePreference === 'fee') {
    const paidMinutes = row.maxHours === undefined ? minutes : Math.min(minutes, Math.round(row.maxHours * 60));
    feeCents = row.kind === 'perHour' ? perHourCents(row.amountCents, paidMinutes) : row.amountCents;
  }
  const travelled = input.outcome === 'held' || input.outcome === 'noShow';
  const km = travelled ? Math.min(input.travelKm ?? 0, tariff.travel.maxKm ?? Infinity) : 0;
  const tickets = tariff.travel.ticketsReimbursed && input.outcome !== 'cancelledEarly' ? (input.ticketCents ?? 0) : 0;
  const kmPart = kmCents(km, tariff.travel.perKmCents);
  const travelCents = kmPart + tickets;
  const lines: IncomeLine[] = [];
  if (payable) {
    // The hours count even for a volunteer (0 €): the line carries them to the summary.
    const kind: LineKind = input.outcome === 'cancelledLate' ? 'lateCancellation' : input.outcome === 'noShow' ? 'noShow' : 'fee';
    const incomeType = (kind === 'lateCancellation' ? tariff.lateCancellationIncomeType : kind === 'noShow' ? tariff.noShowIncomeType : undefined) ?? row.incomeType;
    lines.push({ kind, incomeType, cents: feeCents, hundredths: Math.round(hours * 100), kmHundredths: 0 });
  }
  if (kmPart > 0) lines.push({ kind: 'travelKm', incomeType: tariff.travel.kmIncomeType, cents: kmPart, hundredths: 0, kmHundredths: Math.round(km * 100) });
  if (tickets > 0) lines.push({ kind: 'travelTickets', incomeType: tariff.travel.ticketIncomeType, cents: tickets, hundredths: 0, kmHundredths: 0 });
  return { ok: true, feeCents, travelCents, totalCents: feeCents + travelCents, hours, tariffVersion: tariff.version, payable, lines };
}

/** A line's identity within an assignment: what an adjustment is the difference of. */
export const lineKey = (l: Pick<IncomeLine, 'kind' | 'incomeType'>): string => `${l.kind}|${l.incomeType}`;

/**
 * What must be paid now so that what was paid before plus this equals what is owed: per line
 * (kind × income type), owed minus paid, for cents, hours and km. A late answer that raises
 * the hours gives a + line; one that turns a held task into a cancellation gives a − line
 * for the fee and a + line for the cancellation fee. Lines with nothing to move are left out.
 */
export function adjustmentLines(owed: readonly IncomeLine[], paid: readonly IncomeLine[]): IncomeLine[] {
  const sum = new Map<string, IncomeLine>();
  const add = (l: IncomeLine, sign: 1 | -1) => {
    const k = lineKey(l);
    const s = sum.get(k) ?? { kind: l.kind, incomeType: l.incomeType, cents: 0, hundredths: 0, kmHundredths: 0 };
    s.cents += sign * l.cents; s.hundredths += sign * l.hundredths; s.kmHundredths += sign * l.kmHundredths;
    sum.set(k, s);
  };
  for (const l of owed) add(l, 1);
  for (const l of paid) add(l, -1);
  return [...sum.values()]
    .filter((l) => l.cents !== 0 || l.hundredths !== 0 || l.kmHundredths !== 0)
    .sort((a, b) => LINE_KINDS.indexOf(a.kind) - LINE_KINDS.indexOf(b.kind) || a.incomeType.localeCompare(b.incomeType));
}
