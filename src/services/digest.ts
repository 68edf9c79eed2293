import { AdaptiveCard, renderCard } from '../cards/render';
import { plainText } from '../cards/plainText';
import { fairness } from '../domain/fairness';
import { localParts } from '../domain/time';
import { Locale, t } from '../i18n';
import { formatDate } from '../i18n/format';
import { ServiceDeps } from './deps';
import { whenText } from './views';

const DAY = 86_400_000;

/**
 * The coordinators' daily digest: what needs attention today. Extra sections (feedback,
 * debriefs) are added by the modules that own that data through `extraFacts`.
 */
export async function buildDigest(deps: ServiceDeps, now: Date, locale: Locale, extraFacts: { label: string; value: string }[] = []): Promise<AdaptiveCard> {
  const s = deps.store;
  const tz = deps.config.timeZone;
  const today = localParts(now, tz).date;
  const dayAfterTomorrow = new Date(now.getTime() + 2 * DAY);
  const [newOrders, unfilled, upcoming, openOffers, pendingExperts, unreachableConvs, activeExperts, counts, closedUnfilled] = await Promise.all([
    s.orders.col.find({ createdAt: { $gte: new Date(now.getTime() - DAY) } }).sort({ createdAt: 1 }).toArray(),
    s.orders.col.find({ status: { $in: ['new', 'offering'] }, startsAt: { $gt: now } }).sort({ startsAt: 1 }).limit(50).toArray(),
    s.assignments.col.find({ status: 'accepted', startsAt: { $gte: new Date(`${today}T00:00:00Z`), $lt: dayAfterTomorrow } }).sort({ startsAt: 1 }).toArray(),
    s.offers.col.countDocuments({ status: 'open' }),
    s.experts.col.countDocuments({ status: 'pending' }),
    s.conversations.col.find({ scope: 'personal', reachable: false }).project({ userAadObjectId: 1 }).toArray(),
    s.experts.col.find({ status: 'active' }).project({ _id: 1 }).toArray(),
    s.assignments.countsSince(new Date(now.getTime() - 90 * DAY)),
    // Orders whose start came with nobody accepted (closed by the wave job): worth a look.
    s.orders.countUnfilledSince(new Date(now.getTime() - DAY)),
  ]);
  const unreachableExperts = await s.experts.byIds(unreachableConvs.map((c) => String(c.userAadObjectId)).filter(Boolean));
  // Who was assigned: the coordinators' channel is where they plan, so names belong there.
  const assigned = new Map((await s.experts.byIds([...new Set(upcoming.map((a) => a.expertId))])).map((e) => [e._id, e.displayName]));
  const upcomingOrders = new Map((await s.orders.col.find({ _id: { $in: [...new Set(upcoming.map((a) => a.orderId))] } }).toArray()).map((o) => [o._id, o]));
  const fair = fairness(activeExperts.map((e) => counts.get(String(e._id)) ?? 0));
  return renderCard('digest', locale, {
    date: formatDate(locale, now, tz),
    summary: [
      { label: t(locale, 'digest.pendingOffers'), value: String(openOffers) },
      { label: t(locale, 'digest.pendingExperts'), value: String(pendingExperts) },
      { label: t(locale, 'digest.closedUnfilled'), value: String(closedUnfilled) },
      ...extraFacts,
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
