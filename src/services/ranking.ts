import { Candidate, explainMatch, FilterResult, rankCandidates } from '../domain/matching';
import { ExpertDoc } from '../store/experts';
import { OfferDoc } from '../store/offers';
import { OrderDoc } from '../store/orders';
import { guardForCoordinators, pausedExperts } from './benefitGuard';
import { ServiceDeps } from './deps';

/**
 * Who may be offered an order, and in which order: the experts with what matching
 * (src/domain/matching.ts) needs to know about them. Used by the waves (offering.ts), the
 * coordinators' card (brokeringCard.ts) and a coordinator's `why` (src/teams/why.ts).
 */

const DAY = 86_400_000;

export function asCandidate(e: ExpertDoc): ExpertDoc & Candidate {
  return { ...e, id: e._id };
}

/** Ranked eligible experts for an order, fairest first (matching in src/domain/matching.ts). */
export async function rankFor(deps: ServiceDeps, order: OrderDoc, reads?: Promise<MatchReads>): Promise<(ExpertDoc & Candidate)[]> {
  const { ctx, experts } = await matchContext(deps, order, { reads });
  return rankCandidates(experts, order, ctx, deps.rng);
}

/**
 * The reads of a ranking that need only the task's time, not the order as stored: who is
 * available, who is busy then, recent assignments, who is paused at their earnings limit.
 * A new order starts them beside the insert that gives it its number (services/orders.ts).
 */
export interface MatchReads {
  available: ExpertDoc[];
  busyList: Awaited<ReturnType<ServiceDeps['store']['assignments']['overlapping']>>;
  recentAssignments: Map<string, number>;
  paused: Set<string>;
}

export async function matchReads(deps: ServiceDeps, task: Pick<OrderDoc, 'startsAt' | 'endsAt'>): Promise<MatchReads> {
  const now = deps.now();
  const [available, busyList, recentAssignments, paused] = await Promise.all([
    deps.store.experts.available(),
    deps.store.assignments.overlapping(task.startsAt, task.endsAt),
    deps.store.assignments.countsSince(new Date(now.getTime() - 90 * DAY)),
    // Experts whose own earnings limit is reached in this task's month or year, with pausing chosen.
    pausedExperts(deps, task),
  ]);
  return { available, busyList, recentAssignments, paused };
}

/**
 * `fresh`: the order was stored a moment ago, so nobody has been offered it yet (one read fewer).
 * `reads`: the time-only reads, when they were started already (matchReads).
 */
export async function matchContext(deps: ServiceDeps, order: OrderDoc, o: { fresh?: boolean; reads?: Promise<MatchReads> } = {}) {
  const [{ available, busyList, recentAssignments, paused }, offers] = await Promise.all([
    o.reads ?? matchReads(deps, order),
    o.fresh ? ([] as OfferDoc[]) : deps.store.offers.ofOrder(order._id),
  ]);
  const experts = paused.size === 0 ? available : available.filter((e) => !paused.has(e._id));
  const busy = new Map<string, { startsAt: Date; endsAt: Date }[]>();
  for (const a of busyList) if (a.orderId !== order._id) busy.set(a.expertId, [...(busy.get(a.expertId) ?? []), a]);
  const ctx = { busy, alreadyOffered: new Set(offers.map((o) => o.expertId)), recentAssignments };
  return { ctx, experts: experts.map(asCandidate), offers };
}

export type WhyAnswer =
  | { kind: 'notFound' }
  | { kind: 'ambiguous'; count: number }
  | { kind: 'explained'; expert: ExpertDoc; order: OrderDoc; results: FilterResult[]; guard: 'none' | 'set' | 'paused' };

/**
 * A coordinator's `why <name> <order>`: the expert found by the whole name only (two of the same
 * name open nobody's profile), the read logged as an access to that expert's profile, then each
 * matching filter with its result and whether the expert's own earnings limit pauses this task.
 */
export async function explainForCoordinator(deps: ServiceDeps, orderId: string, name: string, viewer: string): Promise<WhyAnswer> {
  const [order, named] = await Promise.all([deps.store.orders.get(orderId), deps.store.experts.withName(name)]);
  if (!order || named.length === 0) return { kind: 'notFound' };
  if (named.length > 1) return { kind: 'ambiguous', count: named.length };
  const expert = named[0];
  await deps.store.privacy.logAccess(expert._id, viewer, 'why', deps.now());
  const { ctx } = await matchContext(deps, order);
  const results = explainMatch(asCandidate(expert), order, ctx);
  return { kind: 'explained', expert, order, results, guard: await guardForCoordinators(deps, expert._id, order) };
}
