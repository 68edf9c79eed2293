import { AdaptiveCard, renderCard } from '../cards/render';
import { plainText } from '../cards/plainText';
import { fairness, fairnessLevelOf, fillRateByWeek, taskShare } from '../domain/fairness';
import { localParts } from '../domain/time';
import { Locale, t } from '../i18n';
import { formatDate } from '../i18n/format';
import { ServiceDeps } from './deps';
import { feedbackDigestFacts } from './feedback';
import { reportDeadlineFacts } from './fees';
import { whenText } from './views';
import { OPEN_ORDER_STATUSES } from '../domain/orderLifecycle';

const DAY = 86_400_000;

/**
 * The coordinators' daily digest: what needs attention today. The feedback lines and the
 * fee reports' deadlines come from the services that own that data.
 */
export async function buildDigest(deps: ServiceDeps, now: Date, locale: Locale): Promise<AdaptiveCard> {
  const s = deps.store;
  const tz = deps.config.timeZone;
  const today = localParts(now, tz).date;
  const dayAfterTomorrow = new Date(now.getTime() + 2 * DAY);
  const since = new Date(now.getTime() - FAIRNESS_DAYS * DAY);
  const [newOrders, unfilled, upcoming, openOffers, pendingExperts, unreachableUsers, activeExperts, counts, offerCounts, started, closedUnfilled, feedbackFacts, deadlineFacts] = await Promise.all([
    s.orders.createdSince(new Date(now.getTime() - DAY)),
    s.orders.startingBetween(OPEN_ORDER_STATUSES, now, undefined, 50),
    s.assignments.acceptedStartingIn(new Date(`${today}T00:00:00Z`), dayAfterTomorrow),
    s.offers.countOpen(),
    s.experts.countPending(),
    s.conversations.unreachableUsers(),
    s.experts.activeIds(),
    s.assignments.countsSince(since),
    s.offers.countsPerExpertSince(since),
    // Brokering outcomes of the window: orders that reached their start filled, or not.
    s.orders.startingBetween(['filled', 'done', 'unfilled'], since, now),
    // Orders whose start came with nobody accepted (closed by the wave job): worth a look.
    s.orders.countUnfilledSince(new Date(now.getTime() - DAY)),
    feedbackDigestFacts(deps, now, locale),
    reportDeadlineFacts(deps, now, locale),
  ]);
  const [unreachableExperts, approved, everOffered] = await Promise.all([
    s.experts.byIds(unreachableUsers),
    s.experts.byIds(activeExperts),
    s.offers.everOffered(activeExperts),
  ]);
  // Who was assigned: the coordinators' channel is where they plan, so names belong there.
  const assigned = new Map((await s.experts.byIds([...new Set(upcoming.map((a) => a.expertId))])).map((e) => [e._id, e.displayName]));
  const upcomingOrders = new Map((await s.orders.byIds([...new Set(upcoming.map((a) => a.orderId))])).map((o) => [o._id, o]));
  const fair = fairness(activeExperts.map((id) => counts.get(id) ?? 0));
  const share = taskShare(activeExperts.map((id) => counts.get(id) ?? 0));
  const perExpert = approved
    .map((e) => ({ name: plainText(e.displayName), offers: offerCounts.get(e._id) ?? 0, tasks: counts.get(e._id) ?? 0 }))
    .filter((e) => e.offers > 0 || e.tasks > 0)
    .sort((a, b) => b.offers - a.offers || b.tasks - a.tasks || a.name.localeCompare(b.name, locale));
  const shown = perExpert.slice(0, CHART_EXPERTS);
  const weeks = fillRateByWeek(started.map((o) => ({ startsAt: o.startsAt, filled: o.status !== 'unfilled' })), now);
  const neverOffered = approved
    .filter((e) => !everOffered.has(e._id))
    .map((e) => ({ text: e.paused ? t(locale, 'digest.pausedName', { name: plainText(e.displayName) }) : plainText(e.displayName) }))
    .sort((a, b) => a.text.localeCompare(b.text, locale));
  const offersLegend = t(locale, 'digest.chart.offers');
  const tasksLegend = t(locale, 'digest.chart.tasks');
  return renderCard('digest', locale, {
    date: formatDate(locale, now, tz),
    summary: [
      { label: t(locale, 'digest.pendingOffers'), value: String(openOffers) },
      { label: t(locale, 'digest.pendingExperts'), value: String(pendingExperts) },
      { label: t(locale, 'digest.closedUnfilled'), value: String(closedUnfilled) },
      ...feedbackFacts,
      ...deadlineFacts,
    ],
    newOrders: newOrders.map((o) => ({ text: `${o._id} · ${plainText(o.title)} · ${whenText(o, tz, locale)}` })),
    unfilled: unfilled.map((o) => ({ text: `${o._id} · ${plainText(o.title)} · ${t(locale, 'digest.daysToStart', { days: Math.ceil((o.startsAt.getTime() - now.getTime()) / DAY) })}` })),
    upcoming: upcoming.map((a) => {
      const o = upcomingOrders.get(a.orderId);
      const who = plainText(assigned.get(a.expertId) ?? '–');
      return { text: o ? `${o._id} · ${plainText(o.title)} · ${whenText(o, tz, locale)} · ${who}` : `${a.orderId} · ${who}` };
    }),
    unreachable: unreachableExperts.map((e) => ({ text: plainText(e.displayName) })),
    fairnessText: t(locale, 'digest.fairnessText', { experts: fair.experts, assignments: fair.assignments, max: fair.max, min: fair.min }),
    fairnessScore: t(locale, 'digest.fairnessLevel', { level: fairnessLevelOf(fair) }),
    shareText: t(locale, 'digest.taskShare', { withTask: share.withTask, experts: share.experts, share: share.share }),
    neverOffered,
    showNeverOffered: approved.length > 0,
    neverOfferedHeading: t(locale, 'digest.neverOfferedHeading', { count: neverOffered.length }),
    // The charts, and the same figures as text for clients that draw no charts (the fallback).
    perExpertChart: shown.length > 0 ? [
      { legend: offersLegend, values: shown.map((e) => ({ x: e.name, y: e.offers })) },
      { legend: tasksLegend, values: shown.map((e) => ({ x: e.name, y: e.tasks })) },
    ] : null,
    perExpertLines: [
      ...shown.map((e) => ({ text: t(locale, 'digest.expertLine', { name: e.name, offers: e.offers, tasks: e.tasks }) })),
      ...(perExpert.length > shown.length ? [{ text: t(locale, 'digest.moreExperts', { count: perExpert.length - shown.length }) }] : []),
    ],
    fillChart: weeks.some((w) => w.orders > 0)
      ? [{ legend: t(locale, 'digest.chart.fillLegend'), values: weeks.filter((w) => w.orders > 0).map((w) => ({ x: dayMonth(locale, w.from, tz), y: Math.round((100 * w.filled) / w.orders) })) }]
      : null,
    fillLines: weeks.filter((w) => w.orders > 0).map((w) => ({ text: t(locale, 'digest.fillLine', { week: dayMonth(locale, w.from, tz), filled: w.filled, orders: w.orders, rate: w.filled / w.orders }) })),
  });
}

/** The window of the fairness figures and charts. */
const FAIRNESS_DAYS = 90;
/** The most experts the per-expert chart shows (a bar chart of hundreds reads as noise); the rest are counted. */
export const CHART_EXPERTS = 20;

/** A week's first day on a chart axis: "3.11." in Finnish, "3/11" in Swedish and English. */
function dayMonth(locale: Locale, instant: Date, timeZone: string): string {
  const [, m, d] = localParts(instant, timeZone).date.split('-').map(Number);
  return locale === 'fi' ? `${d}.${m}.` : `${d}/${m}`;
}
