import { renderCard } from '../cards/render';
import { guardLevel, GuardSettings, guardWindow, GuardWindow, pausedByGuard, volunteerIn } from '../domain/benefitGuard';
import { computeFee, tariffFor } from '../domain/fees';
import { euros } from '../domain/feeSummary';
import { finnishDate } from '../domain/payPeriods';
import { localParts, zonedTimeToUtc } from '../domain/time';
import { Locale, pickLocale, t } from '../i18n';
import { EarningsGuardDoc } from '../store/earningsGuards';
import { OrderDoc } from '../store/orders';
import { ServiceDeps } from './deps';
import { outcomeOf } from './fees';
import { message } from './views';

/** The gross fee (no travel) a task pays under the tariff on its day, on its ordered duration. */
export function taskGrossCents(deps: Pick<ServiceDeps, 'tariffs' | 'config'>, order: Pick<OrderDoc, 'taskType' | 'startsAt' | 'durationMinutes'>): number {
  const day = localParts(order.startsAt, deps.config.timeZone).date;
  const r = computeFee({ taskType: order.taskType, date: day, confirmedMinutes: order.durationMinutes, outcome: 'held', feePreference: 'fee' }, deps.tariffs);
  return r.ok ? r.feeCents : 0;
}

/** The window (month or year) of a task's day, for this expert's settings. */
export function windowOf(deps: Pick<ServiceDeps, 'config'>, s: GuardSettings, at: Date): GuardWindow {
  return guardWindow(localParts(at, deps.config.timeZone).date, s.per);
}

/**
 * What the expert earns in gross fees from tasks in the window: accepted and done tasks (on
 * the confirmed minutes when known), and fees kept for late cancellations and no-shows.
 * Volunteer work (by profile, by month, or as first settled) earns nothing.
 */
export async function earnedIn(deps: ServiceDeps, expertId: string, s: GuardSettings, w: GuardWindow, volunteer = false): Promise<number> {
  if (volunteer) return 0;
  const tz = deps.config.timeZone;
  const list = await deps.store.assignments.ofExpertBetween(expertId, zonedTimeToUtc(w.firstDay, '00:00', tz)!, zonedTimeToUtc(w.nextDay, '00:00', tz)!);
  const orders = new Map((await deps.store.orders.byIds([...new Set(list.map((a) => a.orderId))])).map((o) => [o._id, o]));
  let cents = 0;
  for (const a of list) {
    const order = orders.get(a.orderId);
    const outcome = a.status === 'accepted' ? 'held' : outcomeOf(a);
    const day = localParts(a.startsAt, tz).date;
    if (!order || !outcome || a.fee?.feePreference === 'volunteer' || volunteerIn(s, day)) continue;
    const tariff = deps.tariffs.find((x) => x.version === a.fee?.tariffVersion) ?? tariffFor(deps.tariffs, day);
    if (!tariff) continue;
    const r = computeFee({ taskType: order.taskType, confirmedMinutes: a.confirmedMinutes ?? order.durationMinutes, outcome, feePreference: 'fee', travelKm: 0 }, tariff);
    if (r.ok) cents += r.feeCents;
  }
  return cents;
}

/** "11/2026" or "2026". */
export const windowLabel = (w: GuardWindow) => (w.id.length === 4 ? w.id : `${Number(w.id.slice(5))}/${w.id.slice(0, 4)}`);
const windowText = (locale: Locale, w: GuardWindow) => t(locale, w.id.length === 4 ? 'guard.thisYear' : 'guard.thisMonth', { window: windowLabel(w) });

/**
 * The lines an offer card shows an expert who keeps a limit of their own: the task's gross
 * fee, what they have earned in the task's window so far, and from 80 % a plain note.
 */
export async function offerGuardFacts(deps: ServiceDeps, expertId: string, s: GuardSettings, order: OrderDoc, locale: Locale, volunteerByProfile: boolean): Promise<{ label: string; value: string }[]> {
  const w = windowOf(deps, s, order.startsAt);
  const day = localParts(order.startsAt, deps.config.timeZone).date;
  const volunteer = volunteerByProfile || volunteerIn(s, day);
  const gross = volunteer ? 0 : taskGrossCents(deps, order);
  const earned = await earnedIn(deps, expertId, s, w, volunteerByProfile);
  const facts = [
    { label: t(locale, 'guard.grossFee'), value: volunteer ? t(locale, 'guard.volunteerNoFee') : `${euros(gross)} €` },
    { label: windowText(locale, w), value: `${euros(earned)} €` },
  ];
  const { level, percent } = guardLevel(s.limitCents, earned, gross);
  if (level === 'near') facts.push({ label: '', value: t(locale, 'guard.near', { percent }) });
  if (level === 'reached') facts.push({ label: '', value: t(locale, 'guard.reached') });
  return facts;
}

/**
 * Experts whose own limit, with pausing chosen, is reached in the window of this task: they
 * get no offer for it. Tasks of the next window are offered again (nothing to undo).
 */
export async function pausedExperts(deps: ServiceDeps, order: Pick<OrderDoc, 'startsAt'>): Promise<Set<string>> {
  const guards = await deps.store.earningsGuards.pausingAtLimit();
  const paused = new Set<string>();
  for (const g of guards) {
    if (pausedByGuard(g, await earnedIn(deps, g._id, g, windowOf(deps, g, order.startsAt)))) paused.add(g._id);
  }
  return paused;
}

/**
 * After an accept: if it took the expert to their limit and they chose to pause, they are told
 * (once per window) that offers for the rest of it stop, and from when they resume.
 */
export async function tellIfPaused(deps: ServiceDeps, expertId: string, order: OrderDoc): Promise<void> {
  const s = await deps.store.earningsGuards.get(expertId);
  if (!s?.pauseAtLimit || !s.limitCents) return;
  const w = windowOf(deps, s, order.startsAt);
  if (!pausedByGuard(s, await earnedIn(deps, s._id, s, w))) return;
  const conv = await deps.store.conversations.personalOf(expertId);
  if (!conv) return;
  const locale = pickLocale(conv.locale, deps.config.defaultLocale);
  const text = t(locale, 'guard.paused', { window: windowLabel(w), date: finnishDate(w.nextDay) });
  await deps.postman.post([{ key: `guard-paused:${s._id}:${w.id}`, conversationId: conv._id, activity: message(renderCard('notice', locale, { text, tone: 'attention' })) }]);
}

/**
 * What a coordinator may know (e.g. in `why`): that the expert keeps a limit of their own, and
 * whether it keeps them from this task's offers. Never the figure, the earnings or the reason.
 */
export async function guardForCoordinators(deps: ServiceDeps, expertId: string, order: OrderDoc): Promise<'none' | 'set' | 'paused'> {
  const s = await deps.store.earningsGuards.get(expertId);
  if (!s?.limitCents) return 'none';
  return pausedByGuard(s, await earnedIn(deps, s._id, s, windowOf(deps, s, order.startsAt))) ? 'paused' : 'set';
}

/** The month (YYYY-MM, local) a volunteer choice made now is about. */
const thisMonth = (deps: Pick<ServiceDeps, 'config' | 'now'>) => localParts(deps.now(), deps.config.timeZone).date.slice(0, 7);

/**
 * The expert's own limit before `ansioraja` shows it: 'noProfile' for someone without an
 * expert profile (a limit needs one), else the limit they keep (null: none set yet).
 */
export async function ownEarningsGuard(deps: ServiceDeps, expertId: string): Promise<{ kind: 'noProfile' } | { kind: 'found'; guard: EarningsGuardDoc | null }> {
  if (!(await deps.store.experts.get(expertId))) return { kind: 'noProfile' };
  return { kind: 'found', guard: await deps.store.earningsGuards.get(expertId.toLowerCase()) };
}

/** What the expert's own limit card shows: the settings in force, this window's earnings so far, and this month. */
export interface EarningsGuardStatus {
  settings: GuardSettings;
  window: GuardWindow;
  earnedCents: number;
  /** This month (YYYY-MM, local): its volunteer choice is the one the card edits. */
  month: string;
  volunteerThisMonth: boolean;
}

/** The status of an expert's limit (or of the defaults, when they keep none) as of now. */
export async function earningsGuardStatus(deps: ServiceDeps, expertId: string, guard: EarningsGuardDoc | null): Promise<EarningsGuardStatus> {
  const settings: GuardSettings = guard ?? { per: 'month', pauseAtLimit: false, volunteerMonths: [] };
  const w = windowOf(deps, settings, deps.now());
  const expert = await deps.store.experts.get(expertId);
  const earnedCents = await earnedIn(deps, expertId, settings, w, expert?.feePreference === 'volunteer');
  const month = thisMonth(deps);
  return { settings, window: w, earnedCents, month, volunteerThisMonth: settings.volunteerMonths.includes(month) };
}

/** The limit as the expert set it on their card (amounts already parsed to cents). */
export interface EarningsGuardInput {
  limitCents?: number;
  per: 'month' | 'year';
  pauseAtLimit: boolean;
  volunteerThisMonth: boolean;
  noteUrl?: string;
}

/**
 * Saves the expert's own limit. Volunteer months: this month added or removed; earlier ones
 * kept (they were settled so). Returns the limit as stored.
 */
export async function saveEarningsGuard(deps: ServiceDeps, expertId: string, input: EarningsGuardInput): Promise<EarningsGuardDoc> {
  const id = expertId.toLowerCase();
  const before = await deps.store.earningsGuards.get(id);
  const month = thisMonth(deps);
  const months = new Set((before?.volunteerMonths ?? []).filter((m) => m !== month));
  if (input.volunteerThisMonth) months.add(month);
  const saved = await deps.store.earningsGuards.save(id, {
    ...(input.limitCents ? { limitCents: input.limitCents } : {}), per: input.per, pauseAtLimit: input.pauseAtLimit, volunteerMonths: [...months].sort(), ...(input.noteUrl ? { noteUrl: input.noteUrl } : {}),
  }, deps.now());
  // No figures in the log: the limit is the expert's own.
  deps.log.info({ action: 'earningsGuard.save' }, 'earnings limit saved');
  return saved;
}
