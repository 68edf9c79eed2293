/**
 * The expert's own earnings limit (benefit guard). An expert on an adjusted benefit or a
 * disability pension may keep their fees under a limit of their own, per month or per year.
 * The figure is theirs alone: it is shown only to them and never to coordinators.
 */
export type GuardPer = 'month' | 'year';

export interface GuardSettings {
  /** Gross fees (cents) the expert wants to stay under in a window; absent = no limit. */
  limitCents?: number;
  per: GuardPer;
  /** At the limit, offers for tasks in the same window stop until the next window. */
  pauseAtLimit: boolean;
  /** Months (YYYY-MM) the expert works as a volunteer: no fee for tasks in them. */
  volunteerMonths: string[];
}

export interface GuardWindow {
  /** "2026-11" or "2026". */
  id: string;
  firstDay: string;
  /** The first day of the next window (offers resume then). */
  nextDay: string;
}

/** The month or year a day falls in. */
export function guardWindow(day: string, per: GuardPer): GuardWindow {
  const y = Number(day.slice(0, 4));
  if (per === 'year') return { id: String(y), firstDay: `${y}-01-01`, nextDay: `${y + 1}-01-01` };
  const m = Number(day.slice(5, 7));
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return { id: day.slice(0, 7), firstDay: `${day.slice(0, 7)}-01`, nextDay: next };
}

/** The note threshold: from this share of the limit the offer card says so. */
export const NEAR_LIMIT_SHARE = 0.8;

export type GuardLevel = 'none' | 'near' | 'reached';

/**
 * Where an offer leaves the expert: `reached` when what they earned already is at or over the
 * limit, `near` when this task would take them to 80 % or more, else `none`. `percent` is the
 * share after the task, whole percent, rounded down (never overstated reassurance).
 */
export function guardLevel(limitCents: number | undefined, earnedCents: number, taskCents: number): { level: GuardLevel; percent: number } {
  if (!limitCents || limitCents <= 0) return { level: 'none', percent: 0 };
  const after = earnedCents + taskCents;
  const percent = Math.floor((after * 100) / limitCents);
  if (earnedCents >= limitCents) return { level: 'reached', percent };
  return { level: after * 100 >= limitCents * NEAR_LIMIT_SHARE * 100 ? 'near' : 'none', percent };
}

/** Offers stop for tasks in this window: the expert chose to pause at the limit and reached it. */
export function pausedByGuard(s: GuardSettings | undefined, earnedCents: number): boolean {
  return !!s && s.pauseAtLimit && !!s.limitCents && earnedCents >= s.limitCents;
}

export function volunteerIn(s: GuardSettings | undefined, day: string): boolean {
  return !!s && s.volunteerMonths.includes(day.slice(0, 7));
}
