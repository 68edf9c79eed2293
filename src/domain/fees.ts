import { z } from 'zod';

/**
 * The fee tariff is configuration (config/fee-tariff.json), one entry per version with its
 * validity. A fee is computed once from the tariff valid on the task's date and stored with
 * that version; a later tariff never silently changes it.
 */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

const rowSchema = z.object({
  taskType: z.string().min(1),
  kind: z.enum(['perTime', 'perHour', 'package']),
  amountCents: z.number().int().min(0),
  packageHours: z.number().positive().optional(),
  label: z.string().optional(),
}).strict();

const tariffSchema = z.object({
  version: z.string().min(1),
  validFrom: isoDate,
  validTo: isoDate.optional(),
  currency: z.literal('EUR'),
  rows: z.array(rowSchema).min(1),
  travel: z.object({ perKmCents: z.number().int().min(0), ticketsReimbursed: z.boolean(), maxKm: z.number().positive().optional() }).strict(),
  lateCancellationPayable: z.boolean(),
  noShowPayable: z.boolean(),
}).strict().superRefine((t, ctx) => {
  const seen = new Set<string>();
  for (const r of t.rows) {
    if (seen.has(r.taskType)) ctx.addIssue({ code: 'custom', message: `task type ${r.taskType} appears twice in ${t.version}` });
    seen.add(r.taskType);
  }
  if (t.validTo && t.validTo < t.validFrom) ctx.addIssue({ code: 'custom', message: `${t.version}: validTo before validFrom` });
});

export const feeTariffFileSchema = z.object({ note: z.string().optional(), tariffs: z.array(tariffSchema).min(1) }).strict().superRefine((f, ctx) => {
  const sorted = [...f.tariffs].sort((a, b) => a.validFrom.localeCompare(b.validFrom));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (!prev.validTo || prev.validTo >= sorted[i].validFrom) {
      ctx.addIssue({ code: 'custom', message: `tariffs ${prev.version} and ${sorted[i].version} overlap` });
    }
  }
});

export type FeeTariff = z.infer<typeof tariffSchema>;
export type TariffRow = z.infer<typeof rowSchema>;

export function loadTariffs(json: unknown): { ok: true; tariffs: FeeTariff[] } | { ok: false; errors: string[] } {
  const r = feeTariffFileSchema.safeParse(json);
  if (r.success) return { ok: true, tariffs: r.data.tariffs };
  return { ok: false, errors: r.error.issues.map((i) => `${i.path.join('.') || 'tariff'}: ${i.message}`) };
}

export function tariffFor(tariffs: FeeTariff[], isoDay: string): FeeTariff | undefined {
  return tariffs.find((t) => t.validFrom <= isoDay && (!t.validTo || isoDay <= t.validTo));
}

export type Outcome = 'held' | 'cancelledLate' | 'cancelledEarly' | 'noShow';

export interface FeeInput {
  taskType: string;
  /** The task's date (YYYY-MM-DD, deployment time zone): picks the tariff. */
  date: string;
  /** The duration the orderer confirmed (or the ordered one for cancellations and no-shows). */
  confirmedMinutes: number;
  outcome: Outcome;
  feePreference: 'fee' | 'volunteer';
  travelKm?: number;
  ticketCents?: number;
}

export type FeeResult =
  | { ok: true; feeCents: number; travelCents: number; totalCents: number; hours: number; tariffVersion: string; payable: boolean }
  | { ok: false; error: 'noTariff' | 'noRow' };

/** Integer cents, half up: amount × minutes / 60 without floating point drift. */
function perHourCents(amountCents: number, minutes: number): number {
  return Math.floor((amountCents * minutes * 2 + 60) / 120);
}

export function computeFee(input: FeeInput, tariffs: FeeTariff[]): FeeResult {
  const tariff = tariffFor(tariffs, input.date);
  if (!tariff) return { ok: false, error: 'noTariff' };
  const row = tariff.rows.find((r) => r.taskType === input.taskType);
  if (!row) return { ok: false, error: 'noRow' };
  const payable =
    input.outcome === 'held' ||
    (input.outcome === 'cancelledLate' && tariff.lateCancellationPayable) ||
    (input.outcome === 'noShow' && tariff.noShowPayable);
  const worked = input.outcome === 'held' || payable;
  const minutes = worked ? input.confirmedMinutes : 0;
  const hours = Math.round((minutes / 60) * 100) / 100;
  let feeCents = 0;
  if (payable && input.feePreference === 'fee') {
    feeCents = row.kind === 'perHour' ? perHourCents(row.amountCents, minutes) : row.amountCents;
  }
  // Travel is reimbursed when the trip was made; bought tickets are reimbursed even when the task fell through.
  const km = input.outcome === 'held' || input.outcome === 'noShow' ? Math.min(input.travelKm ?? 0, tariff.travel.maxKm ?? Infinity) : 0;
  const travelCents = Math.round(km * tariff.travel.perKmCents) + (tariff.travel.ticketsReimbursed && input.outcome !== 'cancelledEarly' ? (input.ticketCents ?? 0) : 0);
  return { ok: true, feeCents, travelCents, totalCents: feeCents + travelCents, hours, tariffVersion: tariff.version, payable };
}
