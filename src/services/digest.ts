import { AdaptiveCard, renderCard } from '../cards/render';
import { plainText } from '../cards/plainText';
import { fairness } from '../domain/fairness';
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
  const [newOrders, unfilled, upcoming, openOffers, pendingExperts, unreachableUsers, activeExperts, counts, closedUnfilled, feedbackFacts, deadlineFacts] = await Promise.all([
    s.orders.createdSince(new Date(now.getTime() - DAY)),
    s.orders.startingBetween(OPEN_ORDER_STATUSES, now, undefined, 50),
    s.assignments.acceptedStartingIn(new Date(`${today}T00:00:00Z`), dayAfterTomorrow),
    s.offers.countOpen(),
    s.experts.countPending(),
    s.conversations.unreachableUsers(),
    s.experts.activeIds(),
    s.assignments.countsSince(new Date(now.getTime() - 90 * DAY)),
    // Orders whose start came with nobody accepted (closed by the wave job): worth a look.
    s.orders.countUnfilledSince(new Date(now.getTime() - DAY)),
    feedbackDigestFacts(deps, now, locale),
    reportDeadlineFacts(deps, now, locale),
  ]);
  const unreachableExperts = await s.experts.byIds(unreachableUsers);
  // Who was assigned: the coordinators' channel is where they plan, so names belong there.
  const assigned = new Map((await s.experts.byIds([...new Set(upcoming.map((a) => a.expertId))])).map((e) => [e._id, e.displayName]));
  const upcomingOrders = new Map((await s.orders.byIds([...new Set(upcoming.map((a) => a.orderId))])).map((o) => [o._id, o]));
  const fair = fairness(activeExperts.map((id) => counts.get(id) ?? 0));
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
    fairnessScore: t(locale, 'digest.fairnessScore', { level: fairnessLevel(fair.gini), gini: fair.gini }),
  });
}

/**
 * The Gini coefficient of tasks per expert in words: below 0.2 the tasks are spread evenly,
 * below 0.4 fairly evenly (a few experts with more is normal for a small pool), above that
 * unevenly — worth a look at who is never offered anything.
 */
export function fairnessLevel(gini: number): 'even' | 'fair' | 'uneven' {
  return gini < 0.2 ? 'even' : gini < 0.4 ? 'fair' : 'uneven';
}
